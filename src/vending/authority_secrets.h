#pragma once

#include <optional>
#include <string_view>

#include "catalog/auth_credentials.h"
#include "core/result.h"
#include "secrets/secrets_store.h"

namespace floecat::vending {

// The only way the vending layer reads secrets: it can name nothing but
// accounts/<account>/storage-authorities/<authority id>, so connector
// secrets are out of its reach by construction.
class AuthorityCredentialReader {
 public:
  explicit AuthorityCredentialReader(secrets::SecretsStore& secrets) : secrets_(secrets) {}

  // Returns the source credentials stored for a storage authority, or
  // nullopt when it has none. Errors: the secrets store's, and kInternal
  // for a payload that does not parse (never quoted).
  Result<std::optional<catalog::AuthCredentials>> read_authority_credentials(
      std::string_view account_id, std::string_view authority_id) const;

 private:
  secrets::SecretsStore& secrets_;
};

}  // namespace floecat::vending
