#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/secret_bytes.h"
#include "secrets/secret_key.h"

namespace floecat::secrets {

// Largest payload a secret may hold, in bytes (the Secrets Manager limit).
inline constexpr std::size_t kMaxSecretPayloadBytes = 65536;

// The store of secret payloads. Every secret carries the tag
// AccountId=<account id of its key>.
//
// Implementations are thread-safe. Errors use these codes: kInvalidArgument
// (payload over kMaxSecretPayloadBytes, or unreadable stored data),
// kUnavailable / kDeadlineExceeded (backend down or slow, retry later),
// kPermissionDenied (the backend refused the caller), kInternal (corruption,
// e.g. a payload that fails authentication).
class SecretsStore {
 public:
  virtual ~SecretsStore() = default;

  // Creates the secret, or overwrites it when the name exists (also when it
  // is scheduled for deletion). Returns the new version id.
  virtual Result<std::string> put(const SecretKey& key, const SecretBytes& payload) = 0;

  // Returns the current payload, or nullopt when the secret does not exist
  // (or is scheduled for deletion).
  virtual Result<std::optional<SecretBytes>> get(const SecretKey& key) = 0;

  // Overwrites the secret, creating it when missing. Returns the version id.
  virtual Result<std::string> update(const SecretKey& key, const SecretBytes& payload) = 0;

  // Deletes the secret. A missing secret is success.
  virtual Status remove(const SecretKey& key) = 0;

  // Lists the keys of every secret of one account.
  virtual Result<std::vector<SecretKey>> list_for_account(std::string_view account_id) = 0;

  // Returns the tags stored with the secret, or kNotFound.
  virtual Result<std::map<std::string, std::string>> tags(const SecretKey& key) = 0;

  // Checks that the backend responds (for /readyz).
  virtual Status check_ready() = 0;

  // "local" or "aws".
  virtual std::string_view backend_name() const = 0;
};

// Checks the payload size; the message names the key and the limit.
Status check_payload_size(const SecretKey& key, const SecretBytes& payload);

}  // namespace floecat::secrets
