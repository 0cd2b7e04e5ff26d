#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/secret_bytes.h"

namespace floecat::aws {

// A set of AWS credentials. The access key id may be logged; the secret key
// and the session token never are.
struct Credentials {
  std::string access_key_id;
  SecretBytes secret_access_key;
  // Empty for long-term keys.
  SecretBytes session_token;
  // Unset for credentials that do not expire.
  std::optional<std::chrono::system_clock::time_point> expiration;
  // The provider that produced them, e.g. "environment" or "profile default".
  std::string source;

  Credentials clone() const;

  // True when the credentials expire before `now + margin`.
  bool expires_before(std::chrono::system_clock::time_point now, std::chrono::seconds margin) const;
};

// A source of credentials. Implementations are thread-safe.
// Errors: kFailedPrecondition when the source is not configured (the chain
// then tries the next one), kUnavailable / kDeadlineExceeded when a remote
// source does not respond, kPermissionDenied when it refuses.
class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  virtual Result<Credentials> credentials() = 0;
  virtual std::string_view name() const = 0;

  // Drops cached credentials after a service reported them expired, so the
  // next credentials() call fetches new ones. Providers without a cache
  // ignore it.
  virtual void invalidate() {}
};

// Always returns the same credentials.
class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(Credentials credentials)
      : credentials_(std::move(credentials)) {}

  Result<Credentials> credentials() override { return credentials_.clone(); }

  std::string_view name() const override { return "static"; }

 private:
  Credentials credentials_;
};

}  // namespace floecat::aws
