#include "aws/secrets_manager_client.h"

#include <nlohmann/json.hpp>

#include "aws/errors.h"
#include "core/encoding.h"
#include "core/ids.h"
#include "core/logging.h"

namespace floecat::aws {
namespace {

using nlohmann::json;

// Returns the body as JSON with the payload field appended. The payload is
// written straight into a wiping string so that no ordinary string keeps the
// base64 of the secret.
WipingString body_with_binary(json fields, const SecretBytes& payload) {
  std::string prefix = fields.dump();
  prefix.pop_back();  // the closing '}'
  std::string encoded = base64_encode(payload.expose());
  WipingString body(prefix.begin(), prefix.end());
  body += fields.empty() ? "\"SecretBinary\":\"" : ",\"SecretBinary\":\"";
  body.append(encoded.data(), encoded.size());
  body += "\"}";
  secure_wipe(encoded.data(), encoded.size());
  return body;
}

WipingString body_of(const json& fields) {
  std::string text = fields.dump();
  return WipingString(text.begin(), text.end());
}

json tags_json(const Tags& tags) {
  json list = json::array();
  for (const auto& [key, value] : tags) {
    list.push_back({{"Key", key}, {"Value", value}});
  }
  return list;
}

Tags parse_tags(const json& list) {
  Tags tags;
  if (!list.is_array()) {
    return tags;
  }
  for (const auto& item : list) {
    if (item.contains("Key") && item["Key"].is_string()) {
      tags[item["Key"].get<std::string>()] = item.value("Value", std::string());
    }
  }
  return tags;
}

Result<json> parse_body(const CallOutcome& outcome, std::string_view operation) {
  if (outcome.response.body.empty()) {
    return json::object();
  }
  json body =
      json::parse(outcome.response.body.begin(), outcome.response.body.end(), nullptr, false);
  if (!body.is_object()) {
    return unavailable("secretsmanager " + std::string(operation) +
                       " returned a body that is not a JSON object (request id " +
                       request_id_of(outcome.response) + ")");
  }
  return body;
}

std::string string_field(const json& body, const char* name) {
  auto it = body.find(name);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Moves a secret field out of the parsed JSON and wipes the copy it leaves.
std::optional<SecretBytes> take_secret_field(json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_string()) {
    return std::nullopt;
  }
  std::string& text = it->get_ref<std::string&>();
  SecretBytes value(text);
  secure_wipe(text.data(), text.size());
  return value;
}

Status failure(const CallOutcome& outcome, AwsError* error) {
  if (error != nullptr) {
    *error = outcome.error;
  }
  return outcome.status;
}

}  // namespace

SecretsManagerClient::SecretsManagerClient(ServiceEndpoint endpoint, ServiceContext context)
    : client_(std::move(endpoint), std::move(context), parse_json_error) {}

CallOutcome SecretsManagerClient::invoke(std::string_view operation, WipingString body) const {
  HttpRequest request;
  request.method = "POST";
  request.path = "/";
  request.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                     {"X-Amz-Target", "secretsmanager." + std::string(operation)}};
  request.body = std::move(body);
  CallOutcome outcome = client_.call(request, operation);
  std::string request_id = request_id_of(outcome.response);
  if (outcome.ok()) {
    logger().debug("secretsmanager {} succeeded (request id {}, {} attempts)", operation,
                   request_id, outcome.attempts);
  }
  return outcome;
}

Result<SecretVersion> SecretsManagerClient::create_secret(std::string_view name,
                                                          const SecretBytes& secret_binary,
                                                          const Tags& tags,
                                                          AwsError* error) const {
  // A raw request must carry its own idempotency token (SDKs add one). The
  // body is built once per call, so retries of this call reuse the token.
  json fields = {{"Name", name}, {"ClientRequestToken", new_uuid()}, {"Tags", tags_json(tags)}};
  CallOutcome outcome = invoke("CreateSecret", body_with_binary(fields, secret_binary));
  if (!outcome.ok()) {
    return failure(outcome, error);
  }
  FLOECAT_ASSIGN_OR_RETURN(json body, parse_body(outcome, "CreateSecret"));
  return SecretVersion{string_field(body, "Name"), string_field(body, "VersionId")};
}

Result<SecretValue> SecretsManagerClient::get_secret_value(std::string_view secret_id,
                                                           AwsError* error) const {
  CallOutcome outcome = invoke("GetSecretValue", body_of({{"SecretId", secret_id}}));
  if (!outcome.ok()) {
    return failure(outcome, error);
  }
  FLOECAT_ASSIGN_OR_RETURN(json body, parse_body(outcome, "GetSecretValue"));
  SecretValue value;
  value.name = string_field(body, "Name");
  value.version_id = string_field(body, "VersionId");
  std::optional<SecretBytes> binary = take_secret_field(body, "SecretBinary");
  if (binary.has_value()) {
    Result<SecretBytes> decoded = base64_decode_secret(binary->expose());
    if (!decoded.ok()) {
      return unavailable(
          "secretsmanager GetSecretValue returned SecretBinary that is not valid "
          "base64 for " +
          std::string(secret_id));
    }
    value.secret_binary = std::move(*decoded);
  }
  value.secret_string = take_secret_field(body, "SecretString");
  return value;
}

Result<SecretVersion> SecretsManagerClient::put_secret_value(std::string_view secret_id,
                                                             const SecretBytes& secret_binary,
                                                             AwsError* error) const {
  CallOutcome outcome =
      invoke("PutSecretValue",
             body_with_binary({{"SecretId", secret_id}, {"ClientRequestToken", new_uuid()}},
                              secret_binary));
  if (!outcome.ok()) {
    return failure(outcome, error);
  }
  FLOECAT_ASSIGN_OR_RETURN(json body, parse_body(outcome, "PutSecretValue"));
  return SecretVersion{string_field(body, "Name"), string_field(body, "VersionId")};
}

Status SecretsManagerClient::delete_secret(std::string_view secret_id,
                                           int recovery_window_days,
                                           bool force,
                                           AwsError* error) const {
  json fields = {{"SecretId", secret_id}};
  if (force) {
    fields["ForceDeleteWithoutRecovery"] = true;
  } else {
    fields["RecoveryWindowInDays"] = recovery_window_days;
  }
  CallOutcome outcome = invoke("DeleteSecret", body_of(fields));
  return outcome.ok() ? Status::ok_status() : failure(outcome, error);
}

Status SecretsManagerClient::restore_secret(std::string_view secret_id, AwsError* error) const {
  CallOutcome outcome = invoke("RestoreSecret", body_of({{"SecretId", secret_id}}));
  return outcome.ok() ? Status::ok_status() : failure(outcome, error);
}

Status SecretsManagerClient::tag_resource(std::string_view secret_id,
                                          const Tags& tags,
                                          AwsError* error) const {
  CallOutcome outcome =
      invoke("TagResource", body_of({{"SecretId", secret_id}, {"Tags", tags_json(tags)}}));
  return outcome.ok() ? Status::ok_status() : failure(outcome, error);
}

Result<SecretDescription> SecretsManagerClient::describe_secret(std::string_view secret_id,
                                                                AwsError* error) const {
  CallOutcome outcome = invoke("DescribeSecret", body_of({{"SecretId", secret_id}}));
  if (!outcome.ok()) {
    return failure(outcome, error);
  }
  FLOECAT_ASSIGN_OR_RETURN(json body, parse_body(outcome, "DescribeSecret"));
  SecretDescription description;
  description.name = string_field(body, "Name");
  description.arn = string_field(body, "ARN");
  if (auto it = body.find("DeletedDate"); it != body.end() && it->is_number()) {
    description.deleted_date = it->get<double>();
  }
  description.tags = parse_tags(body.value("Tags", json::array()));
  return description;
}

Result<std::vector<SecretListEntry>> SecretsManagerClient::list_secrets(
    const ListSecretsFilter& filter, AwsError* error) const {
  json filters = json::array();
  if (filter.tag_key) {
    filters.push_back({{"Key", "tag-key"}, {"Values", {*filter.tag_key}}});
  }
  if (filter.tag_value) {
    filters.push_back({{"Key", "tag-value"}, {"Values", {*filter.tag_value}}});
  }
  if (filter.name_prefix) {
    filters.push_back({{"Key", "name"}, {"Values", {*filter.name_prefix}}});
  }

  std::vector<SecretListEntry> entries;
  std::string next_token;
  int pages = 0;
  do {
    json fields = {{"MaxResults", 100}};
    if (!filters.empty()) {
      fields["Filters"] = filters;
    }
    if (!next_token.empty()) {
      fields["NextToken"] = next_token;
    }
    CallOutcome outcome = invoke("ListSecrets", body_of(fields));
    if (!outcome.ok()) {
      return failure(outcome, error);
    }
    FLOECAT_ASSIGN_OR_RETURN(json body, parse_body(outcome, "ListSecrets"));
    for (const auto& item : body.value("SecretList", json::array())) {
      entries.push_back({string_field(item, "Name"), parse_tags(item.value("Tags", json()))});
    }
    next_token = string_field(body, "NextToken");
    ++pages;
  } while (!next_token.empty() && (filter.max_pages == 0 || pages < filter.max_pages));
  return entries;
}

}  // namespace floecat::aws
