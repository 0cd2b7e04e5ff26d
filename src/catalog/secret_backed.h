#pragma once

#include <functional>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "catalog/auth_credentials.h"
#include "core/result.h"
#include "records/record_store.h"
#include "secrets/secrets_store.h"

// The create, read, update and delete steps shared by connectors and
// storage authorities: both keep credentials in the secrets store and a
// reference in the record, with the same write order and compensation.
namespace floecat::catalog::internal {

// Record body members that point at the secret; never returned as is.
inline constexpr std::string_view kSecretMember = "secret";
inline constexpr std::string_view kCredentialTypeMember = "credential_type";
inline constexpr std::string_view kMaskedCredentialsMember = "credentials_masked";

// Settings that differ between connectors and storage authorities.
struct ResourceKind {
  std::string_view record_kind;       // records::kConnectorKind
  std::string_view secret_type;       // secrets::kConnectorsType
  std::string_view fault_prefix;      // "connector", as in "connector.create.after_secret"
  std::string_view noun;              // "connector", for messages
  std::string_view list_member;       // "connectors", the array in list responses
  std::string credentials_pointer;    // "/auth/credentials"
  std::string_view credentials_path;  // "auth.credentials", for messages
  std::span<const std::string_view> allowed_types;

  // Checks a whole document (credentials removed) and returns the
  // normalised form to store. It must contain "display_name".
  std::function<Result<nlohmann::json>(const nlohmann::json& document)> validate;

  // Checks the stored form against the account's other resources, e.g.
  // overlapping location prefixes. `self_id` is the resource being written.
  std::function<Status(
      std::string_view account_id, std::string_view self_id, const nlohmann::json& stored)>
      check_conflicts;

  // Adjusts a response in place, e.g. masks fields kept in the record.
  std::function<void(nlohmann::json& response)> present;
};

class SecretBackedResources {
 public:
  SecretBackedResources(secrets::SecretsStore& secrets,
                        records::RecordStore& records,
                        ResourceKind kind);

  Result<nlohmann::json> create(std::string_view account_id, std::string_view body);
  Result<nlohmann::json> get(std::string_view account_id, std::string_view id_or_name);
  Result<nlohmann::json> list(std::string_view account_id);
  Result<nlohmann::json> update(std::string_view account_id,
                                std::string_view id_or_name,
                                std::string_view body,
                                std::optional<std::string_view> if_match);
  Status remove(std::string_view account_id,
                std::string_view id_or_name,
                std::optional<std::string_view> if_match);
  Result<std::optional<AuthCredentials>> load_credentials(std::string_view account_id,
                                                          std::string_view id_or_name);

  // Finds a record by id, then by display name. kNotFound names both.
  Result<records::Record> find_record(std::string_view account_id, std::string_view id_or_name);

  // Builds the response for a stored record.
  nlohmann::json to_response(const records::Record& record) const;

 private:
  secrets::SecretsStore& secrets_;
  records::RecordStore& records_;
  ResourceKind kind_;
};

// Returns ok when the account record exists, kNotFound naming it otherwise.
Status check_account_exists(records::RecordStore& records, std::string_view account_id);

// Returns the lock that orders the writes to an account's resources (held
// shared) against the deletion of the account (held exclusive), so that no
// record or secret is written into an account while it is being deleted.
// NOTE: the lock covers this process only.
std::shared_mutex& account_lock(std::string_view account_id);

// Returns the stored body without the members that refer to the secret.
nlohmann::json public_document(const nlohmann::json& stored);

}  // namespace floecat::catalog::internal
