#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "catalog/auth_credentials.h"
#include "catalog/credential_minter.h"
#include "catalog/location.h"
#include "catalog/secret_backed.h"
#include "core/clock.h"
#include "core/result.h"
#include "records/record_store.h"
#include "secrets/secrets_store.h"

namespace floecat::catalog {

// Credential types a storage authority accepts.
inline constexpr std::string_view kStorageCredentialTypes[] = {"aws", "aws-assume-role",
                                                               "aws-web-identity"};

// Storage authorities: which S3 location prefix is served with which role,
// region and endpoints. Source credentials are write-only and live in the
// secrets store under accounts/<account>/storage-authorities/<id>.
//
// Request body (create; update takes a JSON merge patch of the same shape):
//   {"display_name", "description", "enabled" (default true), "type" ("s3"),
//    "location_prefix", "region", "endpoint", "sts_endpoint",
//    "path_style_access", "assume_role_arn", "assume_role_external_id",
//    "assume_role_session_name", "duration_seconds", "credentials": {...}}
// Response: the same fields plus "id", "etag", "created_at", "updated_at";
// location_prefix normalised; assume_role_external_id "****" when set;
// "credentials" is the masked view plus "stored": true, present only while
// a secret is stored.
//
// Two enabled authorities of one account may not share a normalised
// location prefix (kAlreadyExists naming the other authority).
// Thread-safe when the stores are.
class StorageAuthorityService {
 public:
  StorageAuthorityService(secrets::SecretsStore& secrets,
                          records::RecordStore& records,
                          const Clock& clock);

  // Same write order and errors as ConnectorService::create.
  Result<nlohmann::json> create(std::string_view account_id, std::string_view body);

  Result<nlohmann::json> get(std::string_view account_id, std::string_view id_or_name);

  // Returns {"storage_authorities": [...]}, ordered by display name.
  Result<nlohmann::json> list(std::string_view account_id);

  // Same merge-patch, etag and secret rules as ConnectorService::update;
  // "credentials": null removes the secret.
  Result<nlohmann::json> update(std::string_view account_id,
                                std::string_view id_or_name,
                                std::string_view body,
                                std::optional<std::string_view> if_match);

  Status remove(std::string_view account_id,
                std::string_view id_or_name,
                std::optional<std::string_view> if_match);

  // Resolves {"location", "usage": "client"|"server" (default client),
  // "access": "read"|"write" (default read), "include_credentials" (default
  // false)} to {"authority_id", "client_safe_config": {"s3.region",
  // "region", "client.region", "s3.endpoint", "s3.path-style-access"}
  // (only keys that are set), "storage_credentials": [...]}. The longest
  // enabled prefix covering the location wins. With include_credentials the
  // minter adds one entry {"prefix", "config", "expires_at_ms"}; otherwise
  // the list is empty. Errors: kInvalidArgument (include_credentials true
  // but no minter is set), kNotFound naming the location when no enabled
  // authority covers it, and the minter's errors.
  Result<nlohmann::json> resolve(std::string_view account_id, std::string_view body);

  // Sets what resolve uses for include_credentials. Call before serving;
  // `minter` must outlive this service.
  void set_credential_minter(StorageCredentialMinter* minter) { minter_ = minter; }

  // Returns the stored authority (unmasked, without secret material; "id"
  // and the record "version" included) whose enabled prefix best covers
  // `location`, or kNotFound.
  Result<nlohmann::json> match_location(std::string_view account_id, const Location& location);

  // Reads the stored source credentials of an authority, or nullopt.
  Result<std::optional<AuthCredentials>> load_credentials(std::string_view account_id,
                                                          std::string_view authority_id);

 private:
  Result<LocationIndex> build_index(std::string_view account_id);
  Status check_prefix_conflict(std::string_view account_id,
                               std::string_view self_id,
                               const nlohmann::json& stored);

  records::RecordStore& records_;
  internal::SecretBackedResources resources_;
  StorageCredentialMinter* minter_ = nullptr;
};

}  // namespace floecat::catalog
