#include "catalog/connector_service.h"

#include <fmt/format.h>

#include "catalog/json_fields.h"
#include "catalog/property_guard.h"
#include "core/ids.h"

namespace floecat::catalog {

namespace {

using nlohmann::json;

// Checks that a connector URI carries no secret: credentials in the user
// info or in a query parameter would be stored in the record and returned
// in every response.
Status check_uri(std::string_view uri) {
  for (char c : uri) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      return invalid_argument("uri must not contain whitespace or control characters");
    }
  }
  std::size_t scheme_end = uri.find("://");
  std::size_t authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  std::size_t authority_end = uri.find_first_of("/?#", authority_start);
  std::string_view authority = uri.substr(authority_start, authority_end == std::string_view::npos
                                                               ? std::string_view::npos
                                                               : authority_end - authority_start);
  if (authority.find('@') != std::string_view::npos) {
    return invalid_argument(
        "uri must not contain a user name or password (user:password@host); put credentials "
        "in auth.credentials instead");
  }
  std::size_t query_start = uri.find('?');
  if (query_start == std::string_view::npos) {
    return Status::ok_status();
  }
  std::string_view query = uri.substr(query_start + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    std::string_view name = pair.substr(0, pair.find('='));
    if (is_forbidden_property_key(name)) {
      return invalid_argument(
          fmt::format("uri query parameter \"{}\" looks like a secret; put it in "
                      "auth.credentials instead",
                      name));
    }
  }
  return Status::ok_status();
}

Result<json> validate_auth(const json& auth) {
  if (!auth.is_object()) {
    return invalid_argument("auth must be an object");
  }
  FLOECAT_RETURN_IF_ERROR(internal::check_known_fields(
      auth, "auth", {"scheme", "properties", "header_hints", "credentials"}));
  json stored = json::object();
  FLOECAT_ASSIGN_OR_RETURN(std::optional<std::string> scheme,
                           internal::optional_string(auth, "auth", "scheme"));
  if (scheme.has_value()) {
    stored["scheme"] = *scheme;
  }
  for (std::string_view map_name : {"properties", "header_hints"}) {
    auto it = auth.find(map_name);
    if (it == auth.end() || it->is_null()) {
      continue;
    }
    FLOECAT_RETURN_IF_ERROR(check_plain_properties(internal::join_path("auth", map_name), *it));
    stored[map_name] = *it;
  }
  return stored;
}

// Checks a whole connector document without its credentials and returns the
// form stored in the record.
Result<json> validate_connector(const json& document) {
  FLOECAT_RETURN_IF_ERROR(internal::check_known_fields(
      document, "", {"display_name", "kind", "uri", "description", "properties", "auth"}));
  json stored = json::object();

  FLOECAT_ASSIGN_OR_RETURN(std::string display_name,
                           internal::required_string(document, "", "display_name"));
  FLOECAT_RETURN_IF_ERROR(internal::check_display_name("display_name", display_name));
  stored["display_name"] = display_name;

  FLOECAT_ASSIGN_OR_RETURN(std::string kind, internal::required_string(document, "", "kind"));
  std::string lower_kind = internal::to_lower(trim(kind));
  bool known_kind = false;
  for (std::string_view name : kConnectorKinds) {
    known_kind = known_kind || name == lower_kind;
  }
  if (!known_kind) {
    return invalid_argument("kind must be one of iceberg, delta, glue, unity");
  }
  stored["kind"] = lower_kind;

  FLOECAT_ASSIGN_OR_RETURN(std::string uri, internal::required_string(document, "", "uri"));
  FLOECAT_RETURN_IF_ERROR(check_uri(uri));
  stored["uri"] = uri;

  FLOECAT_ASSIGN_OR_RETURN(std::optional<std::string> description,
                           internal::optional_string(document, "", "description"));
  if (description.has_value()) {
    stored["description"] = *description;
  }

  auto properties = document.find("properties");
  if (properties != document.end() && !properties->is_null()) {
    FLOECAT_RETURN_IF_ERROR(check_plain_properties("properties", *properties));
    stored["properties"] = *properties;
  } else {
    stored["properties"] = json::object();
  }

  auto auth = document.find("auth");
  if (auth != document.end() && !auth->is_null()) {
    FLOECAT_ASSIGN_OR_RETURN(stored["auth"], validate_auth(*auth));
  } else {
    stored["auth"] = json::object();
  }
  return stored;
}

internal::ResourceKind connector_kind() {
  internal::ResourceKind kind;
  kind.record_kind = records::kConnectorKind;
  kind.secret_type = secrets::kConnectorsType;
  kind.fault_prefix = "connector";
  kind.noun = "connector";
  kind.list_member = "connectors";
  kind.credentials_pointer = "/auth/credentials";
  kind.credentials_path = "auth.credentials";
  kind.validate = validate_connector;
  return kind;
}

}  // namespace

ConnectorService::ConnectorService(secrets::SecretsStore& secrets,
                                   records::RecordStore& records,
                                   const Clock& clock)
    : resources_(secrets, records, connector_kind()) {}

Result<json> ConnectorService::create(std::string_view account_id, std::string_view body) {
  return resources_.create(account_id, body);
}

Result<json> ConnectorService::get(std::string_view account_id, std::string_view id_or_name) {
  return resources_.get(account_id, id_or_name);
}

Result<json> ConnectorService::list(std::string_view account_id) {
  return resources_.list(account_id);
}

Result<json> ConnectorService::update(std::string_view account_id,
                                      std::string_view id_or_name,
                                      std::string_view body,
                                      std::optional<std::string_view> if_match) {
  return resources_.update(account_id, id_or_name, body, if_match);
}

Status ConnectorService::remove(std::string_view account_id,
                                std::string_view id_or_name,
                                std::optional<std::string_view> if_match) {
  return resources_.remove(account_id, id_or_name, if_match);
}

Result<std::optional<AuthCredentials>> ConnectorService::load_credentials(
    std::string_view account_id, std::string_view id_or_name) {
  return resources_.load_credentials(account_id, id_or_name);
}

}  // namespace floecat::catalog
