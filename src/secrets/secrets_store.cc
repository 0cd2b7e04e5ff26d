#include "secrets/secrets_store.h"

#include <fmt/format.h>

namespace floecat::secrets {

Status check_payload_size(const SecretKey& key, const SecretBytes& payload) {
  if (payload.size() > kMaxSecretPayloadBytes) {
    return invalid_argument(fmt::format("secret {}: payload is {} bytes; the limit is {}",
                                        key.name(), payload.size(), kMaxSecretPayloadBytes));
  }
  return Status();
}

}  // namespace floecat::secrets
