// Fuzzes the SigV4 canonical request.
//
// Input: line 1 is the method, line 2 the wire path, then "?key=value" lines
// add query parameters and "name: value" lines add headers, in order. A
// final line "!" switches the path rule to S3's.
//
// Checked properties, for paths that start with '/' as wire paths do:
// - the canonical URI starts with '/';
// - remove_dot_segments leaves no empty, "." or ".." segment and is
//   idempotent.
// For every input:
// - the canonical request starts with the upper-case method and ends with
//   the signed header list and the payload hash;
// - signed header names are lower-case, sorted and unique, and include host,
//   when every header name is an HTTP token;
// - sign_request either fails with kInvalidArgument or adds an
//   Authorization header.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aws/sigv4.h"
#include "fuzz/fuzz_support.h"

namespace {

using floecat::fuzz::check;

constexpr std::string_view kPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// RFC 9110 token characters, the only ones a header name may contain.
bool is_token(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return std::isalnum(byte) != 0 ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

void check_dot_segments(std::string_view path) {
  if (path.empty() || path.front() != '/') {
    return;
  }
  std::string normalized = floecat::aws::remove_dot_segments(path);
  check(floecat::aws::remove_dot_segments(normalized) == normalized,
        "remove_dot_segments is not idempotent");
  check(!normalized.empty() && normalized.front() == '/',
        "remove_dot_segments dropped the leading slash");
  std::string_view rest(normalized);
  rest.remove_prefix(1);
  if (!rest.empty() && rest.back() == '/') {
    rest.remove_suffix(1);
  }
  if (rest.empty()) {
    return;
  }
  std::size_t start = 0;
  while (start <= rest.size()) {
    std::size_t end = std::min(rest.find('/', start), rest.size());
    std::string_view segment = rest.substr(start, end - start);
    check(!segment.empty() && segment != "." && segment != "..",
          "remove_dot_segments left an empty, '.' or '..' segment");
    start = end + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines = floecat::fuzz::split_lines(input);

  floecat::aws::HttpRequest request;
  request.origin = "https://s3.us-east-1.amazonaws.com";
  request.headers.clear();
  request.method = lines.size() > 0 ? std::string(lines[0]) : "GET";
  request.path = lines.size() > 1 ? std::string(lines[1]) : "/";
  floecat::aws::PathRule rule = floecat::aws::PathRule::kNormalizeAndDoubleEncode;
  bool token_names = true;
  for (std::size_t i = 2; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line == "!") {
      rule = floecat::aws::PathRule::kS3SingleEncode;
    } else if (!line.empty() && line.front() == '?') {
      line.remove_prefix(1);
      std::size_t equals = line.find('=');
      std::string_view key = line.substr(0, equals);
      std::string_view value =
          equals == std::string_view::npos ? std::string_view() : line.substr(equals + 1);
      request.query.emplace_back(key, value);
    } else {
      std::size_t colon = line.find(':');
      std::string_view name = line.substr(0, colon);
      std::string_view value =
          colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
      token_names = token_names && is_token(name);
      request.headers.emplace_back(name, value);
    }
  }

  check_dot_segments(request.path);
  // A wire path always starts with '/', and then so must the canonical URI.
  if (!request.path.empty() && request.path.front() == '/') {
    std::string uri = floecat::aws::canonical_uri(request.path, rule);
    check(!uri.empty() && uri.front() == '/', "canonical_uri does not start with '/'");
  }

  floecat::Result<floecat::aws::CanonicalRequest> canonical =
      floecat::aws::build_canonical_request(request, rule, kPayloadHash);
  if (canonical.ok()) {
    std::string method = request.method;
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    const std::string& text = canonical->text;
    check(text.rfind(method + "\n", 0) == 0,
          "the canonical request does not start with the upper-case method");
    std::string tail = "\n" + canonical->signed_headers + "\n" + std::string(kPayloadHash);
    check(text.size() >= tail.size() &&
              text.compare(text.size() - tail.size(), tail.size(), tail) == 0,
          "the canonical request does not end with the signed headers and the payload hash");
    if (token_names) {
      std::vector<std::string> names;
      std::string_view list = canonical->signed_headers;
      while (true) {
        std::size_t semicolon = list.find(';');
        names.emplace_back(list.substr(0, semicolon));
        if (semicolon == std::string_view::npos) {
          break;
        }
        list.remove_prefix(semicolon + 1);
      }
      check(std::adjacent_find(names.begin(), names.end(), std::greater_equal<>()) == names.end(),
            "signed header names are not sorted and unique");
      for (const std::string& name : names) {
        check(std::none_of(name.begin(), name.end(),
                           [](unsigned char c) { return std::isupper(c) != 0; }),
              "a signed header name is not lower-case");
      }
      check(std::find(names.begin(), names.end(), "host") != names.end(),
            "a canonical request was built without host among the signed headers");
    }
  } else {
    check(canonical.status().code() == floecat::StatusCode::kInvalidArgument,
          "build_canonical_request failed with a code other than kInvalidArgument");
  }

  floecat::aws::Credentials credentials;
  credentials.access_key_id = "AKIDEXAMPLE";
  credentials.secret_access_key = floecat::SecretBytes("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  floecat::aws::SigningScope scope{
      "s3", "us-east-1", std::chrono::system_clock::time_point(std::chrono::seconds(1440938160)),
      rule};
  floecat::aws::HttpRequest signed_request = request;
  floecat::Status status = floecat::aws::sign_request(signed_request, credentials, scope);
  if (status.ok()) {
    const std::string* authorization = signed_request.find_header("Authorization");
    check(authorization != nullptr, "sign_request succeeded without an Authorization header");
    check(authorization->rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/", 0) == 0,
          "the Authorization header does not start with the credential scope");
  } else {
    check(status.code() == floecat::StatusCode::kInvalidArgument,
          "sign_request failed with a code other than kInvalidArgument");
  }
  return 0;
}
