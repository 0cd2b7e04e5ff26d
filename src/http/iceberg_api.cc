#include "http/iceberg_api.h"

#include <optional>
#include <string>

#include <fmt/format.h>

#include "core/ids.h"
#include "core/logging.h"

namespace floecat::http {
namespace {

using nlohmann::json;

constexpr std::string_view kBase = "/iceberg/v1";
constexpr std::string_view kDelegationHeader = "X-Iceberg-Access-Delegation";

// The resource a 404 refers to, which picks the Iceberg error type.
enum class Subject { kCatalog, kNamespace, kTable };

std::string error_type(StatusCode code, Subject subject) {
  switch (code) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kTooLarge:
      return "BadRequestException";
    case StatusCode::kUnauthenticated:
      return "NotAuthorizedException";
    case StatusCode::kPermissionDenied:
      return "ForbiddenException";
    case StatusCode::kNotFound:
      if (subject == Subject::kTable)
        return "NoSuchTableException";
      if (subject == Subject::kNamespace)
        return "NoSuchNamespaceException";
      return "NotFoundException";
    case StatusCode::kAlreadyExists:
      return "AlreadyExistsException";
    case StatusCode::kFailedPrecondition:
      return subject == Subject::kNamespace ? "NamespaceNotEmptyException"
                                            : "CommitFailedException";
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
      return "ServiceUnavailableException";
    default:
      return "InternalServerError";
  }
}

Response iceberg_error(const Status& status, Subject subject) {
  int http_status = http_status_for(status.code());
  json body = {{"error",
                {{"message", status.message()},
                 {"type", error_type(status.code(), subject)},
                 {"code", http_status}}}};
  Response response = Response::json(http_status, body);
  if (http_status == 503) {
    response.headers["Retry-After"] = "1";
  }
  return response;
}

Response head_response(const Status& status) {
  Response response;
  response.status = status.ok() ? 204 : http_status_for(status.code());
  return response;
}

// Encodes one path segment for URLs the server hands out.
std::string encode_segment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

struct NamespaceRef {
  std::string account;
  catalog::NamespaceName namespace_name;
};

struct TableRef : NamespaceRef {
  std::string name;
};

Result<std::string> account_of(const Request& request) {
  const std::string& prefix = request.param("prefix");
  if (is_blank(prefix) || prefix.find('/') != std::string::npos) {
    return invalid_argument("prefix in the path must be an account id without '/'");
  }
  return prefix;
}

Result<catalog::NamespaceName> namespace_of(const Request& request) {
  return catalog::parse_namespace_path("namespace", request.param("namespace"));
}

Result<NamespaceRef> namespace_ref_of(const Request& request) {
  NamespaceRef ref;
  FLOECAT_ASSIGN_OR_RETURN(ref.account, account_of(request));
  FLOECAT_ASSIGN_OR_RETURN(ref.namespace_name, namespace_of(request));
  return ref;
}

Result<TableRef> table_of(const Request& request) {
  TableRef ref;
  FLOECAT_ASSIGN_OR_RETURN(static_cast<NamespaceRef&>(ref), namespace_ref_of(request));
  ref.name = request.param("table");
  FLOECAT_RETURN_IF_ERROR(catalog::check_name("table", ref.name));
  return ref;
}

// The refresh route for a table, relative to the catalog's base URI; it
// keeps the access level the load asked for.
std::string credentials_path(const TableRef& ref, bool write) {
  return fmt::format("v1/{}/namespaces/{}/tables/{}/credentials{}", encode_segment(ref.account),
                     encode_segment(catalog::join_namespace(ref.namespace_name)),
                     encode_segment(ref.name), write ? "?access=write" : "");
}

// Reads the "access" query parameter of a load or credentials request:
// "read" (the default) or "write".
Result<bool> write_access_of(const Request& request) {
  auto found = request.query.find("access");
  if (found == request.query.end() || found->second == "read") {
    return false;
  }
  if (found->second == "write") {
    return true;
  }
  return invalid_argument("access: must be 'read' or 'write'");
}

class IcebergApi {
 public:
  IcebergApi(catalog::Catalog& catalog, vending::CredentialVendor* vendor)
      : catalog_(catalog), vendor_(vendor) {}

  Response config(const Request& request) {
    auto it = request.query.find("warehouse");
    if (it == request.query.end() || is_blank(it->second)) {
      return iceberg_error(invalid_argument("warehouse is required: set it to the account id, e.g. "
                                            "?warehouse=acme"),
                           Subject::kCatalog);
    }
    if (Status exists = catalog_.accounts().check_exists(it->second); !exists.ok()) {
      return iceberg_error(exists, Subject::kCatalog);
    }
    json endpoints = json::array();
    for (const char* endpoint : {
             "GET /v1/{prefix}/namespaces",
             "POST /v1/{prefix}/namespaces",
             "GET /v1/{prefix}/namespaces/{namespace}",
             "HEAD /v1/{prefix}/namespaces/{namespace}",
             "DELETE /v1/{prefix}/namespaces/{namespace}",
             "GET /v1/{prefix}/namespaces/{namespace}/tables",
             "GET /v1/{prefix}/namespaces/{namespace}/tables/{table}",
             "HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}",
             "DELETE /v1/{prefix}/namespaces/{namespace}/tables/{table}",
             "POST /v1/{prefix}/namespaces/{namespace}/register",
             "GET /v1/{prefix}/namespaces/{namespace}/tables/{table}/credentials",
         }) {
      endpoints.push_back(endpoint);
    }
    return Response::json(200, json{{"defaults", json::object()},
                                    {"overrides", {{"prefix", it->second}}},
                                    {"endpoints", std::move(endpoints)}});
  }

  Response list_namespaces(const Request& request) {
    Result<std::string> account = account_of(request);
    if (!account.ok())
      return iceberg_error(account.status(), Subject::kNamespace);
    std::optional<catalog::NamespaceName> parent;
    if (auto it = request.query.find("parent"); it != request.query.end() && !it->second.empty()) {
      Result<catalog::NamespaceName> parsed = catalog::parse_namespace_path("parent", it->second);
      if (!parsed.ok())
        return iceberg_error(parsed.status(), Subject::kNamespace);
      parent = std::move(*parsed);
    }
    Result<json> listed = catalog_.namespaces().list(*account, parent);
    if (!listed.ok())
      return iceberg_error(listed.status(), Subject::kNamespace);
    return Response::json(200, *listed);
  }

  Response create_namespace(const Request& request) {
    Result<std::string> account = account_of(request);
    if (!account.ok())
      return iceberg_error(account.status(), Subject::kNamespace);
    Result<json> created = catalog_.namespaces().create(*account, request.body);
    if (!created.ok())
      return iceberg_error(created.status(), Subject::kNamespace);
    return Response::json(200, *created);
  }

  Response load_namespace(const Request& request, bool head) {
    Result<NamespaceRef> ref = namespace_ref_of(request);
    if (!ref.ok())
      return head ? head_response(ref.status()) : iceberg_error(ref.status(), Subject::kNamespace);
    Result<json> loaded = catalog_.namespaces().get(ref->account, ref->namespace_name);
    if (head)
      return head_response(loaded.status());
    if (!loaded.ok())
      return iceberg_error(loaded.status(), Subject::kNamespace);
    return Response::json(200, *loaded);
  }

  Response drop_namespace(const Request& request) {
    Result<NamespaceRef> ref = namespace_ref_of(request);
    if (!ref.ok())
      return iceberg_error(ref.status(), Subject::kNamespace);
    Status removed = catalog_.namespaces().remove(ref->account, ref->namespace_name);
    if (!removed.ok())
      return iceberg_error(removed, Subject::kNamespace);
    return Response::no_content();
  }

  Response list_tables(const Request& request) {
    Result<NamespaceRef> ref = namespace_ref_of(request);
    if (!ref.ok())
      return iceberg_error(ref.status(), Subject::kNamespace);
    Result<json> listed = catalog_.tables().list(ref->account, ref->namespace_name);
    if (!listed.ok())
      return iceberg_error(listed.status(), Subject::kNamespace);
    return Response::json(200, *listed);
  }

  Response register_table(const Request& request) {
    Result<NamespaceRef> namespace_ref = namespace_ref_of(request);
    if (!namespace_ref.ok())
      return iceberg_error(namespace_ref.status(), Subject::kNamespace);
    Result<AccessDelegation> delegation =
        parse_access_delegation(request.header(kDelegationHeader));
    if (!delegation.ok())
      return iceberg_error(delegation.status(), Subject::kTable);

    json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return iceberg_error(invalid_argument("request body must be a JSON object"), Subject::kTable);
    }
    for (const auto& [key, value] : body.items()) {
      if (key != "name" && key != "metadata-location" && key != "overwrite") {
        return iceberg_error(invalid_argument(fmt::format("unknown field {}", key)),
                             Subject::kTable);
      }
    }
    if (!body.contains("name") || !body["name"].is_string()) {
      return iceberg_error(invalid_argument("name is required"), Subject::kTable);
    }
    if (!body.contains("metadata-location") || !body["metadata-location"].is_string()) {
      return iceberg_error(invalid_argument("metadata-location is required"), Subject::kTable);
    }
    auto overwrite = body.find("overwrite");
    if (overwrite != body.end() && !overwrite->is_boolean() && !overwrite->is_null()) {
      return iceberg_error(invalid_argument("overwrite must be true or false"), Subject::kTable);
    }
    if (overwrite != body.end() && overwrite->is_boolean() && overwrite->get<bool>()) {
      return iceberg_error(invalid_argument("overwrite: replacing a registered table is not "
                                            "supported; drop the table first"),
                           Subject::kTable);
    }
    TableRef ref{*namespace_ref, body["name"].get<std::string>()};
    if (Status valid = catalog::check_name("name", ref.name); !valid.ok()) {
      return iceberg_error(valid, Subject::kTable);
    }
    // Check the namespace before reading from S3, so a typo costs no call.
    if (Status exists = catalog_.namespaces().check_exists(ref.account, ref.namespace_name);
        !exists.ok()) {
      return iceberg_error(exists, Subject::kNamespace);
    }
    std::string metadata_location = body["metadata-location"].get<std::string>();
    Result<json> metadata = read_metadata(ref.account, metadata_location);
    if (!metadata.ok())
      return iceberg_error(metadata.status(), Subject::kTable);

    catalog::TableRegistration registration{ref.namespace_name, ref.name, metadata_location,
                                            std::move(*metadata)};
    Result<json> stored = catalog_.tables().register_table(ref.account, registration);
    if (!stored.ok())
      return iceberg_error(stored.status(), Subject::kTable);
    logger().info("registered table {} in account {} from {}", ref.name, ref.account,
                  metadata_location);
    return load_result(ref, *stored, *delegation, false);
  }

  Response load_table(const Request& request, bool head) {
    Result<TableRef> ref = table_of(request);
    if (!ref.ok())
      return head ? head_response(ref.status()) : iceberg_error(ref.status(), Subject::kTable);
    Result<json> stored = catalog_.tables().get(ref->account, ref->namespace_name, ref->name);
    if (head)
      return head_response(stored.status());
    if (!stored.ok())
      return iceberg_error(stored.status(), Subject::kTable);
    Result<AccessDelegation> delegation =
        parse_access_delegation(request.header(kDelegationHeader));
    if (!delegation.ok())
      return iceberg_error(delegation.status(), Subject::kTable);
    Result<bool> write = write_access_of(request);
    if (!write.ok())
      return iceberg_error(write.status(), Subject::kTable);
    return load_result(*ref, *stored, *delegation, *write);
  }

  Response drop_table(const Request& request) {
    Result<TableRef> ref = table_of(request);
    if (!ref.ok())
      return iceberg_error(ref.status(), Subject::kTable);
    if (request.query.count("purgeRequested") && request.query.at("purgeRequested") == "true") {
      return iceberg_error(invalid_argument("purgeRequested: this server never deletes table data; "
                                            "drop without purge"),
                           Subject::kTable);
    }
    Status removed = catalog_.tables().remove(ref->account, ref->namespace_name, ref->name);
    if (!removed.ok())
      return iceberg_error(removed, Subject::kTable);
    return Response::no_content();
  }

  Response load_credentials(const Request& request) {
    Result<TableRef> ref = table_of(request);
    if (!ref.ok())
      return iceberg_error(ref.status(), Subject::kTable);
    Result<bool> write = write_access_of(request);
    if (!write.ok())
      return iceberg_error(write.status(), Subject::kTable);
    Result<json> stored = catalog_.tables().get(ref->account, ref->namespace_name, ref->name);
    if (!stored.ok())
      return iceberg_error(stored.status(), Subject::kTable);
    Result<json> credential = vend(*ref, *stored, covering_authority(*ref, *stored), *write);
    if (!credential.ok())
      return iceberg_error(credential.status(), Subject::kTable);
    return Response::json(200, json{{"storage-credentials", json::array({*credential})}});
  }

 private:
  Result<json> read_metadata(const std::string& account, const std::string& metadata_location) {
    if (vendor_ == nullptr) {
      return unavailable("registering tables needs credential vending, which is not configured");
    }
    FLOECAT_ASSIGN_OR_RETURN(catalog::Location location,
                             catalog::parse_location("metadata-location", metadata_location));
    Result<json> authority = catalog_.storage_authorities().match_location(account, location);
    if (!authority.ok()) {
      if (authority.status().code() == StatusCode::kNotFound) {
        return invalid_argument(fmt::format(
            "metadata-location {} is not covered by any enabled storage authority of account "
            "'{}'; create one whose location_prefix covers it",
            metadata_location, account));
      }
      return authority.status();
    }
    Result<std::string> text = vendor_->read_object(account, *authority, location);
    if (!text.ok()) {
      logger().warn("reading metadata {} for account {} failed: {}", metadata_location, account,
                    text.status());
      if (text.status().code() == StatusCode::kNotFound) {
        // A missing file is bad input to register, not a missing table.
        return invalid_argument(fmt::format("metadata-location {} does not exist: {}",
                                            metadata_location, text.status().message()));
      }
      return text.status();
    }
    json metadata = json::parse(*text, nullptr, false);
    if (metadata.is_discarded() || !metadata.is_object()) {
      return invalid_argument(
          fmt::format("metadata-location {} does not hold a JSON object", metadata_location));
    }
    return metadata;
  }

  // The enabled authority whose prefix best covers the table's location:
  // kNotFound when none does, kInvalidArgument when the stored location
  // does not parse.
  Result<json> covering_authority(const TableRef& ref, const json& stored) {
    FLOECAT_ASSIGN_OR_RETURN(
        catalog::Location location,
        catalog::parse_location("location", stored.value("location", std::string())));
    return catalog_.storage_authorities().match_location(ref.account, location);
  }

  // Mints one storage credential for the table's location from `authority`,
  // the result of covering_authority.
  Result<json> vend(const TableRef& ref,
                    const json& stored,
                    const Result<json>& authority,
                    bool write) {
    if (vendor_ == nullptr) {
      return unavailable("credential vending is not configured on this server");
    }
    std::string location_text = stored.value("location", std::string());
    FLOECAT_ASSIGN_OR_RETURN(catalog::Location location,
                             catalog::parse_location("location", location_text));
    if (!authority.ok()) {
      if (authority.status().code() == StatusCode::kNotFound) {
        return invalid_argument(fmt::format(
            "cannot vend credentials for table {}: no enabled storage authority of account '{}' "
            "covers its location {}",
            ref.name, ref.account, location_text));
      }
      return authority.status();
    }
    FLOECAT_ASSIGN_OR_RETURN(
        json minted, vendor_->mint(catalog::MintRequest{ref.account, *authority, location, write}));
    // The Iceberg StorageCredential has only prefix and config.
    return json{{"prefix", minted["prefix"]}, {"config", minted["config"]}};
  }

  // Client-safe settings of the covering authority, if there is one.
  static json client_config(const Result<json>& authority) {
    json config = json::object();
    if (!authority.ok()) {
      return config;
    }
    if (auto region = authority->value("region", std::string()); !region.empty()) {
      config["client.region"] = region;
    }
    if (auto endpoint = authority->value("endpoint", std::string()); !endpoint.empty()) {
      config["s3.endpoint"] = endpoint;
    }
    if (authority->contains("path_style_access")) {
      config["s3.path-style-access"] =
          (*authority)["path_style_access"].get<bool>() ? "true" : "false";
    }
    return config;
  }

  Response load_result(const TableRef& ref,
                       const json& stored,
                       const AccessDelegation& delegation,
                       bool write) {
    Result<json> authority = covering_authority(ref, stored);
    json result = {{"metadata-location", stored["metadata_location"]},
                   {"metadata", stored["metadata"]},
                   {"config", client_config(authority)}};
    if (delegation.vended_credentials) {
      Result<json> credential = vend(ref, stored, authority, write);
      if (!credential.ok()) {
        logger().warn("vending for table {} in account {} failed: {}", ref.name, ref.account,
                      credential.status());
        return iceberg_error(credential.status(), Subject::kTable);
      }
      for (const auto& [key, value] : (*credential)["config"].items()) {
        result["config"][key] = value;
      }
      result["config"]["client.refresh-credentials-endpoint"] = credentials_path(ref, write);
      result["storage-credentials"] = json::array({std::move(*credential)});
    }
    return Response::json(200, result);
  }

  catalog::Catalog& catalog_;
  vending::CredentialVendor* vendor_;
};

}  // namespace

Result<AccessDelegation> parse_access_delegation(std::string_view header) {
  AccessDelegation delegation;
  std::size_t start = 0;
  while (start <= header.size()) {
    std::size_t end = header.find(',', start);
    std::string_view item = trim(
        header.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (item == "vended-credentials") {
      delegation.vended_credentials = true;
    } else if (item == "remote-signing") {
      delegation.remote_signing = true;
    } else if (!item.empty()) {
      return invalid_argument(
          fmt::format("X-Iceberg-Access-Delegation: unknown value '{}'; the accepted values are "
                      "vended-credentials and remote-signing",
                      item));
    }
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
  }
  if (delegation.remote_signing && !delegation.vended_credentials) {
    return invalid_argument(
        "X-Iceberg-Access-Delegation: remote-signing is not offered by this server; request "
        "vended-credentials instead");
  }
  return delegation;
}

void add_iceberg_routes(Router& router,
                        catalog::Catalog& catalog,
                        vending::CredentialVendor* vendor) {
  auto api = std::make_shared<IcebergApi>(catalog, vendor);
  std::string base(kBase);
  std::string namespaces = base + "/{prefix}/namespaces";
  std::string one_namespace = namespaces + "/{namespace}";
  std::string tables = one_namespace + "/tables";
  std::string one_table = tables + "/{table}";

  router.add("GET", base + "/config", [api](const Request& r) { return api->config(r); });
  router.add("GET", namespaces, [api](const Request& r) { return api->list_namespaces(r); });
  router.add("POST", namespaces, [api](const Request& r) { return api->create_namespace(r); });
  router.add("GET", one_namespace,
             [api](const Request& r) { return api->load_namespace(r, false); });
  router.add("HEAD", one_namespace,
             [api](const Request& r) { return api->load_namespace(r, true); });
  router.add("DELETE", one_namespace, [api](const Request& r) { return api->drop_namespace(r); });
  router.add("GET", tables, [api](const Request& r) { return api->list_tables(r); });
  router.add("POST", one_namespace + "/register",
             [api](const Request& r) { return api->register_table(r); });
  router.add("GET", one_table, [api](const Request& r) { return api->load_table(r, false); });
  router.add("HEAD", one_table, [api](const Request& r) { return api->load_table(r, true); });
  router.add("DELETE", one_table, [api](const Request& r) { return api->drop_table(r); });
  router.add("GET", one_table + "/credentials",
             [api](const Request& r) { return api->load_credentials(r); });
}

}  // namespace floecat::http
