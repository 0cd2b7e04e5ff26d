#include "aws/sts_client.h"

#include <cctype>
#include <ctime>

#include <pugixml.hpp>

#include "aws/errors.h"
#include "core/ids.h"
#include "core/logging.h"

namespace floecat::aws {
namespace {

constexpr std::string_view kApiVersion = "2011-06-15";

// Finds the first descendant whose name, without namespace prefix, is `name`.
pugi::xml_node find_element(pugi::xml_node root, std::string_view name) {
  for (pugi::xml_node child : root.children()) {
    std::string_view child_name = child.name();
    std::size_t colon = child_name.find(':');
    if (colon != std::string_view::npos) {
      child_name = child_name.substr(colon + 1);
    }
    if (child_name == name) {
      return child;
    }
    if (pugi::xml_node found = find_element(child, name)) {
      return found;
    }
  }
  return pugi::xml_node();
}

std::string element_text(pugi::xml_node root, std::string_view name) {
  return std::string(trim(find_element(root, name).text().get()));
}

// Removes every whitespace character: tokens never contain any, but some
// emulators wrap long tokens across lines.
std::string strip_whitespace(std::string_view text) {
  std::string result;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) == 0) {
      result.push_back(c);
    }
  }
  return result;
}

void append_form(WipingString& body, std::string_view key, std::string_view value) {
  if (!body.empty()) {
    body.push_back('&');
  }
  std::string encoded_key = uri_encode(key, false);
  std::string encoded_value = uri_encode(value, false);
  body.append(encoded_key.data(), encoded_key.size());
  body.push_back('=');
  body.append(encoded_value.data(), encoded_value.size());
  secure_wipe(encoded_value.data(), encoded_value.size());
}

HttpRequest form_request(WipingString body) {
  HttpRequest request;
  request.method = "POST";
  request.path = "/";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  request.body = std::move(body);
  return request;
}

bool is_session_name_char(unsigned char c) {
  return std::isalnum(c) != 0 || c == '_' || c == '+' || c == '=' || c == ',' || c == '.' ||
         c == '@' || c == '-';
}

Status explain_sts_error(const CallOutcome& outcome,
                         std::string_view operation,
                         std::string_view role_arn) {
  const AwsError& error = outcome.error;
  std::string suffix = error.request_id.empty() ? "" : " (request id " + error.request_id + ")";
  std::string detail = error.message.empty() ? "" : ": " + error.message;
  if (error.code == "AccessDenied") {
    return permission_denied(
        "STS " + std::string(operation) + " was denied for role " + std::string(role_arn) + detail +
        suffix +
        "; the role's trust policy must allow this caller both sts:AssumeRole and "
        "sts:TagSession");
  }
  if (error.code == "PackedPolicyTooLarge") {
    return invalid_argument("STS " + std::string(operation) + " for role " + std::string(role_arn) +
                            " rejected the session policy and tags as too large once packed" +
                            detail + suffix + "; use fewer or shorter tags or a smaller policy");
  }
  if (error.code == "MalformedPolicyDocument") {
    return invalid_argument("STS " + std::string(operation) + " for role " + std::string(role_arn) +
                            " rejected the session policy as malformed" + detail + suffix);
  }
  if (error.code == "RegionDisabledException") {
    return failed_precondition("STS is not activated in this region for role " +
                               std::string(role_arn) + detail + suffix +
                               "; activate the region in the IAM account settings or set "
                               "floecat.secrets.aws.sts-endpoint to another region");
  }
  if (error.code == "ExpiredToken" || error.code == "ExpiredTokenException") {
    return permission_denied("STS " + std::string(operation) +
                             " failed because the caller's session token has expired" + detail +
                             suffix + "; refresh the base AWS credentials");
  }
  if (error.code == "InvalidIdentityToken" || error.code == "IDPRejectedClaim") {
    return permission_denied("STS " + std::string(operation) + " rejected the web identity token" +
                             detail + suffix);
  }
  return outcome.status;
}

}  // namespace

Result<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text) {
  std::tm parts{};
  int consumed = 0;
  std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &parts.tm_year, &parts.tm_mon,
                  &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &consumed) != 6) {
    return unavailable("invalid ISO 8601 time '" + copy + "'");
  }
  std::string_view rest = std::string_view(copy).substr(consumed);
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front())) != 0) {
      rest.remove_prefix(1);
    }
  }
  if (rest != "Z" && rest != "+00:00") {
    return unavailable("invalid ISO 8601 time '" + copy + "': expected UTC ('Z')");
  }
  // system_clock counts nanoseconds in a signed 64-bit integer (libstdc++),
  // so it only reaches the years 1677 to 2262. Years outside 1900 to 2200
  // are rejected: none is a credential expiry, and far ones would overflow.
  bool in_range = parts.tm_year >= 1900 && parts.tm_year <= 2200 && parts.tm_mon >= 1 &&
                  parts.tm_mon <= 12 && parts.tm_mday >= 1 && parts.tm_mday <= 31 &&
                  parts.tm_hour >= 0 && parts.tm_hour <= 23 && parts.tm_min >= 0 &&
                  parts.tm_min <= 59 && parts.tm_sec >= 0 && parts.tm_sec <= 60;
  if (!in_range) {
    return unavailable("invalid ISO 8601 time '" + copy +
                       "': a field is out of range (years 1900 to 2200 are accepted)");
  }
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(timegm(&parts));
}

Result<AssumedRole> parse_assume_role_response(std::string_view xml) {
  pugi::xml_document document;
  if (!document.load_buffer(xml.data(), xml.size())) {
    return unavailable("STS returned a response that is not XML");
  }
  pugi::xml_node credentials = find_element(document, "Credentials");
  if (!credentials) {
    return unavailable("STS returned a response without Credentials");
  }

  AssumedRole role;
  role.credentials.access_key_id = element_text(credentials, "AccessKeyId");
  std::string secret = strip_whitespace(find_element(credentials, "SecretAccessKey").text().get());
  std::string token = strip_whitespace(find_element(credentials, "SessionToken").text().get());
  role.credentials.secret_access_key = SecretBytes(secret);
  role.credentials.session_token = SecretBytes(token);
  secure_wipe(secret.data(), secret.size());
  secure_wipe(token.data(), token.size());
  if (role.credentials.access_key_id.empty() || role.credentials.secret_access_key.empty() ||
      role.credentials.session_token.empty()) {
    return unavailable(
        "STS returned Credentials without AccessKeyId, SecretAccessKey or SessionToken");
  }
  FLOECAT_ASSIGN_OR_RETURN(role.credentials.expiration,
                           parse_iso8601(element_text(credentials, "Expiration")));

  pugi::xml_node user = find_element(document, "AssumedRoleUser");
  role.assumed_role_arn = element_text(user, "Arn");
  role.assumed_role_id = element_text(user, "AssumedRoleId");
  std::string packed = element_text(document, "PackedPolicySize");
  if (!packed.empty()) {
    role.packed_policy_size = std::atoi(packed.c_str());
  }
  role.request_id = element_text(document, "RequestId");
  return role;
}

Result<CallerIdentity> parse_caller_identity_response(std::string_view xml) {
  pugi::xml_document document;
  if (!document.load_buffer(xml.data(), xml.size())) {
    return unavailable("STS returned a response that is not XML");
  }
  CallerIdentity identity{element_text(document, "Account"), element_text(document, "Arn"),
                          element_text(document, "UserId")};
  if (identity.arn.empty()) {
    return unavailable("STS GetCallerIdentity returned no Arn");
  }
  return identity;
}

std::string session_name_for_account(std::string_view account_id) {
  std::string name = "floecat-";
  for (char c : account_id) {
    name.push_back(is_session_name_char(static_cast<unsigned char>(c)) ? c : '-');
  }
  if (name.size() > 64) {
    name.resize(64);
  }
  return name;
}

Status validate_assume_role_request(const AssumeRoleRequest& request) {
  if (request.role_arn.size() < 20 || request.role_arn.size() > 2048) {
    return invalid_argument("RoleArn must be 20 to 2048 characters, got " +
                            std::to_string(request.role_arn.size()));
  }
  const std::string& name = request.role_session_name;
  if (name.size() < 2 || name.size() > 64) {
    return invalid_argument("RoleSessionName must be 2 to 64 characters, got " +
                            std::to_string(name.size()));
  }
  for (char c : name) {
    if (!is_session_name_char(static_cast<unsigned char>(c))) {
      return invalid_argument("RoleSessionName '" + name +
                              "' may contain only letters, digits and _+=,.@-");
    }
  }
  if (request.duration_seconds != 0 &&
      (request.duration_seconds < 900 || request.duration_seconds > 43200)) {
    return invalid_argument("DurationSeconds must be 900 to 43200, got " +
                            std::to_string(request.duration_seconds));
  }
  if (request.tags.size() > 50) {
    return invalid_argument("Tags may hold at most 50 session tags, got " +
                            std::to_string(request.tags.size()));
  }
  for (std::size_t i = 0; i < request.tags.size(); ++i) {
    const auto& [key, value] = request.tags[i];
    if (key.empty() || key.size() > 128) {
      return invalid_argument("session tag keys must be 1 to 128 characters, got '" + key + "'");
    }
    if (value.size() > 256) {
      return invalid_argument("session tag " + key + " has a value over 256 characters");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (iequals(request.tags[j].first, key)) {
        return invalid_argument("session tag keys are case-insensitive, so '" + key +
                                "' repeats '" + request.tags[j].first + "'");
      }
    }
  }
  if (!request.external_id.empty() &&
      (request.external_id.size() < 2 || request.external_id.size() > 1224)) {
    return invalid_argument("ExternalId must be 2 to 1224 characters");
  }
  if (request.policy.size() > 2048) {
    return invalid_argument("Policy must be at most 2048 characters, got " +
                            std::to_string(request.policy.size()));
  }
  return Status::ok_status();
}

StsClient::StsClient(ServiceEndpoint endpoint, ServiceContext context)
    : client_(endpoint, context, parse_query_error),
      anonymous_client_(
          endpoint,
          [&context] {
            ServiceContext anonymous = context;
            anonymous.credentials = nullptr;
            return anonymous;
          }(),
          parse_query_error) {}

Result<AssumedRole> StsClient::assume_role(const AssumeRoleRequest& request) const {
  FLOECAT_RETURN_IF_ERROR(validate_assume_role_request(request));
  WipingString body;
  append_form(body, "Action", "AssumeRole");
  append_form(body, "Version", kApiVersion);
  append_form(body, "RoleArn", request.role_arn);
  append_form(body, "RoleSessionName", request.role_session_name);
  for (std::size_t i = 0; i < request.tags.size(); ++i) {
    std::string prefix = "Tags.member." + std::to_string(i + 1);
    append_form(body, prefix + ".Key", request.tags[i].first);
    append_form(body, prefix + ".Value", request.tags[i].second);
  }
  for (std::size_t i = 0; i < request.transitive_tag_keys.size(); ++i) {
    append_form(body, "TransitiveTagKeys.member." + std::to_string(i + 1),
                request.transitive_tag_keys[i]);
  }
  if (!request.external_id.empty()) {
    append_form(body, "ExternalId", request.external_id);
  }
  if (request.duration_seconds != 0) {
    append_form(body, "DurationSeconds", std::to_string(request.duration_seconds));
  }
  if (!request.policy.empty()) {
    append_form(body, "Policy", request.policy);
  }

  CallOutcome outcome = client_.call(form_request(std::move(body)), "AssumeRole");
  if (!outcome.ok()) {
    return explain_sts_error(outcome, "AssumeRole", request.role_arn);
  }
  FLOECAT_ASSIGN_OR_RETURN(
      AssumedRole role, parse_assume_role_response(std::string_view(outcome.response.body.data(),
                                                                    outcome.response.body.size())));
  role.credentials.source = "assume-role " + request.role_arn;
  logger().info("assumed role {} as session {} (access key id {}, request id {})", request.role_arn,
                request.role_session_name, role.credentials.access_key_id, role.request_id);
  return role;
}

Result<AssumedRole> StsClient::assume_role_with_web_identity(std::string_view role_arn,
                                                             std::string_view session_name,
                                                             const SecretBytes& web_identity_token,
                                                             int duration_seconds) const {
  WipingString body;
  append_form(body, "Action", "AssumeRoleWithWebIdentity");
  append_form(body, "Version", kApiVersion);
  append_form(body, "RoleArn", role_arn);
  append_form(body, "RoleSessionName", session_name);
  append_form(body, "WebIdentityToken", web_identity_token.expose());
  if (duration_seconds != 0) {
    append_form(body, "DurationSeconds", std::to_string(duration_seconds));
  }
  CallOutcome outcome =
      anonymous_client_.call(form_request(std::move(body)), "AssumeRoleWithWebIdentity");
  if (!outcome.ok()) {
    return explain_sts_error(outcome, "AssumeRoleWithWebIdentity", role_arn);
  }
  FLOECAT_ASSIGN_OR_RETURN(
      AssumedRole role, parse_assume_role_response(std::string_view(outcome.response.body.data(),
                                                                    outcome.response.body.size())));
  role.credentials.source = "web identity " + std::string(role_arn);
  return role;
}

Result<CallerIdentity> StsClient::get_caller_identity() const {
  WipingString body;
  append_form(body, "Action", "GetCallerIdentity");
  append_form(body, "Version", kApiVersion);
  CallOutcome outcome = client_.call(form_request(std::move(body)), "GetCallerIdentity");
  if (!outcome.ok()) {
    return explain_sts_error(outcome, "GetCallerIdentity", "");
  }
  return parse_caller_identity_response(
      std::string_view(outcome.response.body.data(), outcome.response.body.size()));
}

AssumeRoleCredentialsProvider::AssumeRoleCredentialsProvider(std::shared_ptr<const StsClient> sts,
                                                             AssumeRoleRequest request,
                                                             const Clock* clock)
    : sts_(std::move(sts)), request_(std::move(request)), clock_(clock) {}

Result<Credentials> AssumeRoleCredentialsProvider::credentials() {
  // Holding the lock during the STS call makes concurrent callers wait for
  // this refresh instead of starting their own.
  std::lock_guard<std::mutex> lock(mutex_);
  if (cached_.has_value() && !cached_->expires_before(clock_->now(), kRefreshMargin)) {
    return cached_->clone();
  }
  ++calls_;
  FLOECAT_ASSIGN_OR_RETURN(AssumedRole role, sts_->assume_role(request_));
  cached_ = std::move(role.credentials);
  return cached_->clone();
}

void AssumeRoleCredentialsProvider::invalidate() {
  std::lock_guard<std::mutex> lock(mutex_);
  cached_.reset();
}

int AssumeRoleCredentialsProvider::assume_role_calls() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return calls_;
}

}  // namespace floecat::aws
