#include "aws/sigv4.h"

#include <algorithm>
#include <array>
#include <ctime>
#include <map>
#include <vector>

#include "aws/crypto.h"
#include "core/encoding.h"
#include "core/logging.h"

namespace floecat::aws {
namespace {

// Headers botocore leaves out of the signature, because proxies may add,
// drop or rewrite them.
constexpr std::array<std::string_view, 11> kUnsignedHeaders = {"connection",
                                                               "expect",
                                                               "keep-alive",
                                                               "proxy-authenticate",
                                                               "proxy-authorization",
                                                               "te",
                                                               "trailer",
                                                               "transfer-encoding",
                                                               "upgrade",
                                                               "user-agent",
                                                               "x-amzn-trace-id"};

bool is_unsigned_header(std::string_view lower_name) {
  return std::find(kUnsignedHeaders.begin(), kUnsignedHeaders.end(), lower_name) !=
         kUnsignedHeaders.end();
}

// Trims the value and collapses each run of whitespace into one space, as
// SigV4's Trimall does.
std::string trim_all(std::string_view value) {
  std::string result;
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      pending_space = !result.empty();
      continue;
    }
    if (pending_space) {
      result.push_back(' ');
      pending_space = false;
    }
    result.push_back(c);
  }
  return result;
}

std::string date_of(const SigningScope& scope) {
  return amz_timestamp(scope.time).substr(0, 8);
}

}  // namespace

std::string amz_timestamp(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[17];
  std::strftime(buffer, sizeof(buffer), "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

std::string remove_dot_segments(std::string_view path) {
  if (path.empty()) {
    return "/";
  }
  std::vector<std::string_view> output;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) {
      end = path.size();
    }
    std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!output.empty()) {
        output.pop_back();
      }
    } else if (!segment.empty() && segment != ".") {
      output.push_back(segment);
    }
    start = end + 1;
  }

  std::string result = path.front() == '/' ? "/" : "";
  for (std::size_t i = 0; i < output.size(); ++i) {
    if (i > 0) {
      result.push_back('/');
    }
    result += output[i];
  }
  if (path.back() == '/' && !output.empty()) {
    result.push_back('/');
  }
  return result;
}

std::string canonical_uri(std::string_view wire_path, PathRule rule) {
  if (rule == PathRule::kS3SingleEncode) {
    return wire_path.empty() ? "/" : std::string(wire_path);
  }
  return uri_encode(remove_dot_segments(wire_path), true);
}

std::string canonical_query(const QueryParams& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [key, value] : query) {
    encoded.emplace_back(uri_encode(key, false), uri_encode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());

  std::string result;
  for (const auto& [key, value] : encoded) {
    if (!result.empty()) {
      result.push_back('&');
    }
    result += key;
    result.push_back('=');
    result += value;
  }
  return result;
}

Result<CanonicalRequest> build_canonical_request(const HttpRequest& request,
                                                 PathRule rule,
                                                 std::string_view payload_hash) {
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : request.headers) {
    std::string lower = to_lower(trim_all(name));
    if (is_unsigned_header(lower)) {
      continue;
    }
    auto [it, inserted] = headers.try_emplace(lower, trim_all(value));
    if (!inserted) {
      it->second += ',' + trim_all(value);
    }
  }
  if (headers.find("host") == headers.end()) {
    return invalid_argument("cannot sign the request: the Host header is missing");
  }

  CanonicalRequest canonical;
  std::string header_block;
  for (const auto& [name, value] : headers) {
    header_block += name + ':' + value + '\n';
    if (!canonical.signed_headers.empty()) {
      canonical.signed_headers.push_back(';');
    }
    canonical.signed_headers += name;
  }

  std::string method = request.method;
  std::transform(method.begin(), method.end(), method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  canonical.text = method + '\n' + canonical_uri(request.path, rule) + '\n' +
                   canonical_query(request.query) + '\n' + header_block + '\n' +
                   canonical.signed_headers + '\n' + std::string(payload_hash);
  return canonical;
}

std::string credential_scope(const SigningScope& scope) {
  return date_of(scope) + '/' + scope.region + '/' + scope.service + "/aws4_request";
}

std::string string_to_sign(const SigningScope& scope, std::string_view canonical_request) {
  return "AWS4-HMAC-SHA256\n" + amz_timestamp(scope.time) + '\n' + credential_scope(scope) + '\n' +
         sha256_hex(canonical_request);
}

SecretBytes derive_signing_key(const SecretBytes& secret_access_key, const SigningScope& scope) {
  SecretBytes initial_key("AWS4");
  initial_key.append(secret_access_key.expose());
  SecretBytes date_key = hmac_sha256(initial_key.expose(), date_of(scope));
  SecretBytes region_key = hmac_sha256(date_key.expose(), scope.region);
  SecretBytes service_key = hmac_sha256(region_key.expose(), scope.service);
  return hmac_sha256(service_key.expose(), "aws4_request");
}

std::string compute_signature(const SecretBytes& signing_key, std::string_view string_to_sign) {
  SecretBytes mac = hmac_sha256(signing_key.expose(), string_to_sign);
  return hex_encode(mac.expose());
}

Status sign_request(HttpRequest& request,
                    const Credentials& credentials,
                    const SigningScope& scope) {
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return failed_precondition(
        "cannot sign the AWS request: the access key id or the secret access key is missing; "
        "configure credentials (environment, profile, web identity or container)");
  }
  if (request.find_header("Authorization") != nullptr) {
    return invalid_argument(
        "cannot sign the AWS request: it already carries an Authorization header");
  }
  for (const auto& [key, value] : request.query) {
    if (iequals(key, "X-Amz-Signature")) {
      return invalid_argument(
          "cannot sign the AWS request: it already carries an X-Amz-Signature query parameter");
    }
  }

  request.set_header("X-Amz-Date", amz_timestamp(scope.time));
  if (!credentials.session_token.empty()) {
    request.set_header("X-Amz-Security-Token", std::string(credentials.session_token.expose()));
  }
  std::string payload_hash = sha256_hex(std::string_view(request.body.data(), request.body.size()));
  if (scope.path_rule == PathRule::kS3SingleEncode) {
    request.set_header("X-Amz-Content-SHA256", payload_hash);
  }

  FLOECAT_ASSIGN_OR_RETURN(CanonicalRequest canonical,
                           build_canonical_request(request, scope.path_rule, payload_hash));
  std::string to_sign = string_to_sign(scope, canonical.text);
  SecretBytes signing_key = derive_signing_key(credentials.secret_access_key, scope);
  std::string signature = compute_signature(signing_key, to_sign);
  if (logger().should_log(spdlog::level::trace)) {
    logger().trace("signed {} request to {}: signed headers {}, canonical request hash {}",
                   scope.service, request.origin, canonical.signed_headers,
                   sha256_hex(canonical.text));
  }

  request.headers.emplace_back(
      "Authorization", "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + '/' +
                           credential_scope(scope) + ", SignedHeaders=" + canonical.signed_headers +
                           ", Signature=" + signature);
  return Status::ok_status();
}

}  // namespace floecat::aws
