#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/result.h"
#include "records/record_store.h"
#include "secrets/secrets_store.h"

namespace floecat::catalog {

// Accounts: the tenants that own connectors, storage authorities and their
// secrets. Account records live under account id "" in the record store.
//
// Every method takes the raw request body where there is one and parses it
// itself, so error messages name the JSON field and the rule. Responses
// are {"id", "display_name", "etag", "created_at", "updated_at"}.
// Thread-safe when the stores are.
class AccountService {
 public:
  AccountService(secrets::SecretsStore& secrets, records::RecordStore& records, const Clock& clock);

  // Creates an account from {"id", "display_name"}. Errors: kInvalidArgument
  // (bad JSON, bad id, blank display_name, unknown field), kAlreadyExists
  // (id or display name taken).
  Result<nlohmann::json> create(std::string_view body);

  // Returns the account or kNotFound.
  Result<nlohmann::json> get(std::string_view account_id);

  // Returns {"accounts": [...]}, ordered by display name.
  Result<nlohmann::json> list();

  // Returns ok when the account exists, kNotFound naming it otherwise.
  Status check_exists(std::string_view account_id);

  // Deletes the account with every record and every secret it owns
  // (connectors, storage authorities, namespaces, tables). Order: the
  // account's child records, then every secret list_for_account finds
  // (referenced or orphaned), and the account record last. A crash at any
  // step leaves the account visible, so a second delete finishes the job.
  // Errors: kNotFound, or the first store error, after which a retry
  // continues where this call stopped.
  Status remove(std::string_view account_id);

 private:
  secrets::SecretsStore& secrets_;
  records::RecordStore& records_;
  const Clock& clock_;
};

}  // namespace floecat::catalog
