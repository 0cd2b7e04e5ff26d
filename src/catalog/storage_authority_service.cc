#include "catalog/storage_authority_service.h"

#include <regex>

#include <fmt/format.h>

#include "catalog/json_fields.h"
#include "core/endpoint_url.h"
#include "core/ids.h"
#include "core/logging.h"

namespace floecat::catalog {

namespace {

using nlohmann::json;

// arn:<partition>:iam::<12-digit account>:role/<optional path/>name, with
// the characters IAM allows in role paths and names.
const std::regex kRoleArnPattern(
    R"(^arn:[a-z0-9-]+:iam::[0-9]{12}:role/([A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]+$)");
// STS RoleSessionName: [\w+=,.@-], 2 to 64 characters.
const std::regex kSessionNamePattern(R"(^[A-Za-z0-9_+=,.@-]{2,64}$)");
// STS ExternalId: [\w+=,.@:/-], 2 to 1224 characters.
const std::regex kExternalIdPattern(R"(^[A-Za-z0-9_+=,.@:/-]{2,1224}$)");
const std::regex kRegionPattern(R"(^[a-z0-9-]{1,64}$)");

constexpr std::size_t kMaxRoleArnLength = 2048;

// Copies an optional string member after `check` accepts it.
template <typename Check>
Status copy_optional_string(const json& document, json& stored, std::string_view key, Check check) {
  FLOECAT_ASSIGN_OR_RETURN(std::optional<std::string> value,
                           internal::optional_string(document, "", key));
  if (!value.has_value()) {
    return Status::ok_status();
  }
  FLOECAT_RETURN_IF_ERROR(check(*value));
  stored[key] = *value;
  return Status::ok_status();
}

Status check_pattern(std::string_view field,
                     const std::string& value,
                     const std::regex& pattern,
                     std::string_view rule) {
  if (!std::regex_match(value, pattern)) {
    return invalid_argument(fmt::format("{} {}", field, rule));
  }
  return Status::ok_status();
}

Result<json> validate_authority(const json& document) {
  FLOECAT_RETURN_IF_ERROR(internal::check_known_fields(
      document, "",
      {"display_name", "description", "enabled", "type", "location_prefix", "region", "endpoint",
       "sts_endpoint", "path_style_access", "assume_role_arn", "assume_role_external_id",
       "assume_role_session_name", "duration_seconds", "credentials"}));
  json stored = json::object();

  FLOECAT_ASSIGN_OR_RETURN(std::string display_name,
                           internal::required_string(document, "", "display_name"));
  FLOECAT_RETURN_IF_ERROR(internal::check_display_name("display_name", display_name));
  stored["display_name"] = display_name;

  FLOECAT_RETURN_IF_ERROR(copy_optional_string(document, stored, "description",
                                               [](const std::string&) { return Status(); }));

  FLOECAT_ASSIGN_OR_RETURN(std::optional<bool> enabled,
                           internal::optional_bool(document, "", "enabled"));
  stored["enabled"] = enabled.value_or(true);

  FLOECAT_ASSIGN_OR_RETURN(std::optional<std::string> type,
                           internal::optional_string(document, "", "type"));
  if (type.has_value() && internal::to_lower(*type) != "s3") {
    return invalid_argument("type must be s3, the only storage type supported");
  }
  stored["type"] = "s3";

  FLOECAT_ASSIGN_OR_RETURN(std::string prefix_text,
                           internal::required_string(document, "", "location_prefix"));
  FLOECAT_ASSIGN_OR_RETURN(Location prefix, parse_location("location_prefix", prefix_text));
  stored["location_prefix"] = prefix.to_string();

  FLOECAT_RETURN_IF_ERROR(
      copy_optional_string(document, stored, "region", [](const std::string& value) {
        return check_pattern("region", value, kRegionPattern,
                             "must contain only lower-case letters, digits and '-', such as "
                             "us-east-1");
      }));
  FLOECAT_RETURN_IF_ERROR(copy_optional_string(
      document, stored, "endpoint",
      [](const std::string& value) { return check_endpoint_url("endpoint", value); }));
  FLOECAT_RETURN_IF_ERROR(copy_optional_string(
      document, stored, "sts_endpoint",
      [](const std::string& value) { return check_endpoint_url("sts_endpoint", value); }));

  FLOECAT_ASSIGN_OR_RETURN(std::optional<bool> path_style,
                           internal::optional_bool(document, "", "path_style_access"));
  if (path_style.has_value()) {
    stored["path_style_access"] = *path_style;
  }

  FLOECAT_RETURN_IF_ERROR(
      copy_optional_string(document, stored, "assume_role_arn", [](const std::string& value) {
        if (value.size() > kMaxRoleArnLength) {
          return invalid_argument("assume_role_arn must be at most 2048 characters long");
        }
        return check_pattern("assume_role_arn", value, kRoleArnPattern,
                             "must look like arn:aws:iam::123456789012:role/name");
      }));
  FLOECAT_RETURN_IF_ERROR(copy_optional_string(
      document, stored, "assume_role_external_id", [](const std::string& value) {
        if (value == kMask) {
          return invalid_argument(
              "assume_role_external_id is the mask **** from a response; send the real value "
              "or leave the field out");
        }
        return check_pattern("assume_role_external_id", value, kExternalIdPattern,
                             "must be 2 to 1224 characters from letters, digits and +=,.@:/_-");
      }));
  FLOECAT_RETURN_IF_ERROR(copy_optional_string(
      document, stored, "assume_role_session_name", [](const std::string& value) {
        return check_pattern("assume_role_session_name", value, kSessionNamePattern,
                             "must be 2 to 64 characters from letters, digits and +=,.@_-");
      }));

  FLOECAT_ASSIGN_OR_RETURN(std::optional<std::int64_t> duration,
                           internal::optional_int(document, "", "duration_seconds",
                                                  kMinDurationSeconds, kMaxDurationSeconds));
  if (duration.has_value()) {
    stored["duration_seconds"] = *duration;
  }
  return stored;
}

void present_authority(json& response) {
  if (response.contains("assume_role_external_id")) {
    response["assume_role_external_id"] = kMask;
  }
  if (response.contains("credentials")) {
    response["credentials"]["stored"] = true;
  }
}

}  // namespace

StorageAuthorityService::StorageAuthorityService(secrets::SecretsStore& secrets,
                                                 records::RecordStore& records,
                                                 const Clock& clock)
    : records_(records), resources_(secrets, records, [this] {
        internal::ResourceKind kind;
        kind.record_kind = records::kStorageAuthorityKind;
        kind.secret_type = secrets::kStorageAuthoritiesType;
        kind.fault_prefix = "storage_authority";
        kind.noun = "storage authority";
        kind.list_member = "storage_authorities";
        kind.credentials_pointer = "/credentials";
        kind.credentials_path = "credentials";
        kind.allowed_types = kStorageCredentialTypes;
        kind.validate = validate_authority;
        kind.check_conflicts = [this](std::string_view account_id, std::string_view self_id,
                                      const json& stored) {
          return check_prefix_conflict(account_id, self_id, stored);
        };
        kind.present = present_authority;
        return kind;
      }()) {}

// NOTE: the index is rebuilt from the record store on every call, so a
// resolve costs one list of the account's authorities (O(n)) and only the
// lookup itself is O(depth). Caching it needs a change signal that every
// server replica sees.
Result<LocationIndex> StorageAuthorityService::build_index(std::string_view account_id) {
  FLOECAT_ASSIGN_OR_RETURN(std::vector<records::Record> records,
                           records_.list(records::kStorageAuthorityKind, account_id));
  LocationIndex index;
  for (const records::Record& record : records) {
    json stored = json::parse(record.body, nullptr, false);
    if (stored.is_discarded() || !stored.is_object() || !stored.value("enabled", false)) {
      continue;
    }
    Result<Location> prefix =
        parse_location("location_prefix", stored.value("location_prefix", std::string()));
    if (!prefix.ok()) {
      logger().error("storage authority {} in account {} has an invalid stored prefix: {}",
                     record.id, account_id, prefix.status());
      continue;
    }
    index.add({record.id, std::move(prefix).value(), record.created_at_ms});
  }
  return index;
}

// NOTE: two writes racing with the same prefix can both pass this check,
// because the record store has no unique constraint on prefixes. The
// resolver then breaks the tie by creation time and id.
Status StorageAuthorityService::check_prefix_conflict(std::string_view account_id,
                                                      std::string_view self_id,
                                                      const json& stored) {
  if (!stored.value("enabled", false)) {
    return Status::ok_status();
  }
  FLOECAT_ASSIGN_OR_RETURN(
      Location prefix,
      parse_location("location_prefix", stored.value("location_prefix", std::string())));
  FLOECAT_ASSIGN_OR_RETURN(LocationIndex index, build_index(account_id));
  const std::vector<LocationIndex::Entry>* same = index.find_exact(prefix);
  if (same == nullptr) {
    return Status::ok_status();
  }
  for (const LocationIndex::Entry& entry : *same) {
    if (entry.authority_id != self_id) {
      return already_exists(fmt::format(
          "location_prefix {} is already served by enabled storage authority {}; disable or "
          "change that authority first",
          prefix.to_string(), entry.authority_id));
    }
  }
  return Status::ok_status();
}

Result<json> StorageAuthorityService::create(std::string_view account_id, std::string_view body) {
  return resources_.create(account_id, body);
}

Result<json> StorageAuthorityService::get(std::string_view account_id,
                                          std::string_view id_or_name) {
  return resources_.get(account_id, id_or_name);
}

Result<json> StorageAuthorityService::list(std::string_view account_id) {
  return resources_.list(account_id);
}

Result<json> StorageAuthorityService::update(std::string_view account_id,
                                             std::string_view id_or_name,
                                             std::string_view body,
                                             std::optional<std::string_view> if_match) {
  return resources_.update(account_id, id_or_name, body, if_match);
}

Status StorageAuthorityService::remove(std::string_view account_id,
                                       std::string_view id_or_name,
                                       std::optional<std::string_view> if_match) {
  return resources_.remove(account_id, id_or_name, if_match);
}

Result<json> StorageAuthorityService::match_location(std::string_view account_id,
                                                     const Location& location) {
  FLOECAT_ASSIGN_OR_RETURN(LocationIndex index, build_index(account_id));
  const LocationIndex::Entry* entry = index.find(location);
  if (entry == nullptr) {
    return not_found(fmt::format("no enabled storage authority in account '{}' covers location {}",
                                 account_id, location.to_string()));
  }
  FLOECAT_ASSIGN_OR_RETURN(records::Record record, records_.get(records::kStorageAuthorityKind,
                                                                account_id, entry->authority_id));
  json stored = json::parse(record.body, nullptr, false);
  if (stored.is_discarded() || !stored.is_object()) {
    return internal_error(
        fmt::format("storage authority {} has a stored body that is not a "
                    "JSON object",
                    record.id));
  }
  json authority = internal::public_document(stored);
  authority["id"] = record.id;
  authority["version"] = record.version;
  return authority;
}

Result<json> StorageAuthorityService::resolve(std::string_view account_id, std::string_view body) {
  FLOECAT_ASSIGN_OR_RETURN(json request, internal::parse_body_object(body));
  FLOECAT_RETURN_IF_ERROR(internal::check_known_fields(
      request, "", {"location", "usage", "access", "include_credentials"}));
  FLOECAT_ASSIGN_OR_RETURN(std::string location_text,
                           internal::required_string(request, "", "location"));
  FLOECAT_ASSIGN_OR_RETURN(Location location, parse_location("location", location_text));

  FLOECAT_ASSIGN_OR_RETURN(std::optional<std::string> usage,
                           internal::optional_string(request, "", "usage"));
  if (usage.has_value() && *usage != "client" && *usage != "server") {
    return invalid_argument("usage must be client or server");
  }
  FLOECAT_ASSIGN_OR_RETURN(std::optional<std::string> access,
                           internal::optional_string(request, "", "access"));
  if (access.has_value() && *access != "read" && *access != "write") {
    return invalid_argument("access must be read or write");
  }
  FLOECAT_ASSIGN_OR_RETURN(std::optional<bool> include_credentials,
                           internal::optional_bool(request, "", "include_credentials"));
  if (include_credentials.value_or(false) && minter_ == nullptr) {
    return invalid_argument(
        "include_credentials: this server has no credential vending configured; send false or "
        "leave the field out");
  }

  FLOECAT_RETURN_IF_ERROR(internal::check_account_exists(records_, account_id));
  FLOECAT_ASSIGN_OR_RETURN(json authority, match_location(account_id, location));

  json config = json::object();
  std::string region = authority.value("region", std::string());
  if (!region.empty()) {
    config["s3.region"] = region;
    config["region"] = region;
    config["client.region"] = region;
  }
  std::string endpoint = authority.value("endpoint", std::string());
  if (!endpoint.empty()) {
    config["s3.endpoint"] = endpoint;
  }
  if (authority.contains("path_style_access")) {
    config["s3.path-style-access"] = authority["path_style_access"].get<bool>() ? "true" : "false";
  }
  json storage_credentials = json::array();
  if (include_credentials.value_or(false)) {
    MintRequest mint_request{std::string(account_id), authority, location,
                             access.value_or("read") == "write"};
    FLOECAT_ASSIGN_OR_RETURN(json credential, minter_->mint(mint_request));
    storage_credentials.push_back(std::move(credential));
  }
  return json{{"authority_id", authority["id"]},
              {"client_safe_config", std::move(config)},
              {"storage_credentials", std::move(storage_credentials)}};
}

Result<std::optional<AuthCredentials>> StorageAuthorityService::load_credentials(
    std::string_view account_id, std::string_view authority_id) {
  return resources_.load_credentials(account_id, authority_id);
}

}  // namespace floecat::catalog
