#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "catalog/location.h"
#include "core/result.h"

namespace floecat::catalog {

// One request for temporary storage credentials, after the location has
// been matched to a storage authority.
struct MintRequest {
  std::string account_id;
  // The stored authority as StorageAuthorityService::match_location returns
  // it (with "id", without secret material).
  nlohmann::json authority;
  Location location;
  bool write = false;
};

// Mints temporary credentials for a storage authority. The vending layer
// implements it; StorageAuthorityService::resolve calls it for
// include_credentials, so the catalog layer does not depend on AWS.
class StorageCredentialMinter {
 public:
  virtual ~StorageCredentialMinter() = default;
  // Returns one storage credential {"prefix", "config": {...},
  // "expires_at_ms"} whose config always carries s3.access-key-id,
  // s3.secret-access-key, s3.session-token and
  // s3.session-token-expires-at-ms.
  virtual Result<nlohmann::json> mint(const MintRequest& request) = 0;
};

}  // namespace floecat::catalog
