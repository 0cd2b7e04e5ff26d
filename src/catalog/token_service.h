#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/result.h"
#include "core/secret_bytes.h"
#include "records/record_store.h"

namespace floecat::catalog {

// Record kind of API tokens. Every token record lives under the reserved
// account id kTokenOwner with the token id as its record id; the account it
// is bound to is in the body. ':' is not allowed in account ids, so no real
// account can own these records.
inline constexpr std::string_view kTokenKind = "token";
inline constexpr std::string_view kTokenOwner = ":tokens";

// Tokens look like "fct_<id>_<secret>": <id> is 16 lower-case hex digits
// (8 random bytes) and <secret> 64 lower-case hex digits (32 random bytes).
inline constexpr std::string_view kTokenPrefix = "fct_";
inline constexpr std::size_t kTokenIdHexLength = 16;
inline constexpr std::size_t kTokenSecretHexLength = 64;

// A token split into its parts. The secret stays in SecretBytes.
struct ParsedToken {
  std::string id;
  SecretBytes secret;  // the 32 decoded bytes
};

// Splits a token into id and secret. Any other shape is kUnauthenticated
// with a message that never quotes the token.
Result<ParsedToken> parse_token(std::string_view token);

// Returns HMAC-SHA256(key = salt, message = secret). Tokens carry 256 random
// bits, so a slow password hash would add cost without adding safety; the
// per-token salt keeps equal secrets from having equal hashes.
std::string hash_token_secret(std::string_view salt, const SecretBytes& secret);

// Who a verified token speaks for.
struct Principal {
  std::string token_id;
  // Empty for an admin token.
  std::string account_id;
  bool admin = false;
};

struct TokenServiceOptions {
  // How long a verified token is trusted from memory before its record is
  // read again, so a revocation made through another server replica takes
  // effect within this time. Revocations through this service take effect
  // at once.
  std::chrono::milliseconds cache_ttl = std::chrono::seconds(5);
};

// API tokens: created and revoked by an admin, stored only as a salted hash
// in the record store. Thread-safe when the record store is.
//
// Token records hold {"account_id", "account_created_at_ms", "admin",
// "description", "salt", "hash", "revoked_at_ms"}; salt and hash are hex.
// Responses never carry salt or hash. An account token stops working when
// its account is deleted, and stays dead if an account of the same id is
// created later, because the account's creation time no longer matches.
class TokenService {
 public:
  TokenService(records::RecordStore& records, const Clock& clock, TokenServiceOptions options = {});

  // Creates a token bound to one account from {"account_id",
  // "description"}. Returns the token record as JSON plus "token", the only
  // time the token is shown. Errors: kInvalidArgument naming the field,
  // kNotFound when the account does not exist.
  Result<nlohmann::json> create(std::string_view body);

  // Creates an admin token (bound to no account). Returns the token.
  Result<SecretBytes> create_admin(std::string_view description);

  // Returns true when an admin token that is not revoked exists.
  Result<bool> has_active_admin();

  // Revokes every admin token that is not revoked yet; returns how many.
  Result<int> revoke_admins();

  // Returns {"tokens": [{"id", "account_id", "admin", "description",
  // "created_at", "revoked", "revoked_at"}]} ordered by id.
  Result<nlohmann::json> list();

  // Revokes the token; revoking twice is success. kNotFound for an unknown
  // id.
  Status revoke(std::string_view token_id);

  // Checks a bearer token. kUnauthenticated (malformed, unknown or revoked:
  // the message says which but never quotes the token), or kUnavailable when
  // the record store cannot be read.
  Result<Principal> verify(std::string_view token);

 private:
  struct CachedToken {
    std::string salt;
    std::string hash;
    Principal principal;
    bool revoked = false;
    bool account_gone = false;
    std::int64_t checked_at_ms = 0;
  };

  Result<CachedToken> load(const std::string& token_id);
  Result<SecretBytes> insert(const std::string& account_id,
                             std::int64_t account_created_at_ms,
                             bool admin,
                             const std::string& description,
                             nlohmann::json* created);

  records::RecordStore& records_;
  const Clock& clock_;
  TokenServiceOptions options_;
  std::mutex mutex_;
  std::map<std::string, CachedToken> cache_;  // guarded by mutex_
};

}  // namespace floecat::catalog
