#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "catalog/auth_credentials.h"
#include "catalog/secret_backed.h"
#include "core/clock.h"
#include "core/result.h"
#include "records/record_store.h"
#include "secrets/secrets_store.h"

namespace floecat::catalog {

// Connector kinds, stored lower case.
inline constexpr std::string_view kConnectorKinds[] = {"iceberg", "delta", "glue", "unity"};

// Connectors to external catalogs. Credentials live in the secrets store
// under accounts/<account>/connectors/<connector id>; the record keeps only
// {"secret": {"name", "version"}}, "credential_type" and the masked view.
//
// Request body (create; update takes a JSON merge patch of the same shape):
//   {"display_name", "kind", "uri", "description", "properties": {},
//    "auth": {"scheme", "properties": {}, "header_hints": {},
//             "credentials": {"type", <fields>, "properties", "headers"}}}
// Response: the same fields plus "id", "etag", "created_at", "updated_at",
// with auth.credentials masked (see AuthCredentials::masked_json) and
// present only while a secret is stored.
//
// `id_or_name` is tried as an id first, then as a display name. Methods
// return kNotFound when the account or the connector does not exist.
// Thread-safe when the stores are.
class ConnectorService {
 public:
  ConnectorService(secrets::SecretsStore& secrets,
                   records::RecordStore& records,
                   const Clock& clock);

  // Creates a connector with a new UUID. Writes the secret, then the record,
  // and deletes the secret when the record write fails. Errors:
  // kInvalidArgument (JSON, fields, forbidden property keys),
  // kAlreadyExists (display name taken), store errors.
  Result<nlohmann::json> create(std::string_view account_id, std::string_view body);

  Result<nlohmann::json> get(std::string_view account_id, std::string_view id_or_name);

  // Returns {"connectors": [...]}, ordered by display name.
  Result<nlohmann::json> list(std::string_view account_id);

  // Applies a JSON merge patch (RFC 7396). `if_match` is the raw If-Match
  // header; nullopt means "the latest version". "auth": {"credentials":
  // null} removes the secret (record first, then secret); "auth":
  // {"credentials": {...}} replaces it (new secret version first, then the
  // record, and the previous payload restored when the record write
  // fails). Errors: kInvalidArgument, kFailedPrecondition (stale etag;
  // nothing changes), kAlreadyExists (display name taken), store errors.
  Result<nlohmann::json> update(std::string_view account_id,
                                std::string_view id_or_name,
                                std::string_view body,
                                std::optional<std::string_view> if_match);

  // Deletes the record, then the secret. A failed secret delete after the
  // record is gone is logged and left for the orphan sweep.
  Status remove(std::string_view account_id,
                std::string_view id_or_name,
                std::optional<std::string_view> if_match);

  // Reads the stored credentials of a connector, for the layers that use
  // them. Returns nullopt when the connector has none.
  Result<std::optional<AuthCredentials>> load_credentials(std::string_view account_id,
                                                          std::string_view id_or_name);

 private:
  internal::SecretBackedResources resources_;
};

}  // namespace floecat::catalog
