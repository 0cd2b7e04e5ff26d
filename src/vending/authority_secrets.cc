#include "vending/authority_secrets.h"

#include "secrets/secret_key.h"

namespace floecat::vending {

Result<std::optional<catalog::AuthCredentials>>
AuthorityCredentialReader::read_authority_credentials(std::string_view account_id,
                                                      std::string_view authority_id) const {
  FLOECAT_ASSIGN_OR_RETURN(
      secrets::SecretKey key,
      secrets::SecretKey::make(account_id, secrets::kStorageAuthoritiesType, authority_id));
  FLOECAT_ASSIGN_OR_RETURN(std::optional<SecretBytes> payload, secrets_.get(key));
  if (!payload.has_value()) {
    return std::optional<catalog::AuthCredentials>();
  }
  FLOECAT_ASSIGN_OR_RETURN(catalog::AuthCredentials credentials,
                           catalog::AuthCredentials::from_payload(*payload));
  return std::optional<catalog::AuthCredentials>(std::move(credentials));
}

}  // namespace floecat::vending
