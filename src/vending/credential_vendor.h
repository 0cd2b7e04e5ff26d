#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aws/credentials.h"
#include "aws/http_transport.h"
#include "aws/retry.h"
#include "catalog/credential_minter.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/result.h"
#include "vending/authority_secrets.h"
#include "vending/credential_cache.h"
#include "vending/session_policy.h"
#include "vending/storage_endpoints.h"

namespace floecat::vending {

struct VendorOptions {
  Config config;
  EnvLookup env = process_env();
  // Required: the transport for STS and S3 calls.
  std::shared_ptr<aws::HttpTransport> transport;
  // Drives the cache's lifetime rules; requests are always signed with the
  // system clock, because AWS checks the signing time.
  const Clock* clock = &SystemClock::instance();
  aws::RetryOptions retry;
  // Signs AssumeRole for authorities without stored source credentials.
  // Null builds the AWS CLI's default chain from `env` and `config`.
  std::shared_ptr<aws::CredentialsProvider> ambient;
};

// Config key: maximum size of a table metadata file the server reads, in bytes.
inline constexpr std::string_view kMaxMetadataBytesKey = "floecat.vending.max-metadata-bytes";

// Mints temporary S3 credentials for storage authorities: AssumeRole on the
// authority's role, signed with the authority's source credentials (or the
// ambient chain), with a session policy limited to one location, through a
// CredentialCache. Source keys are never returned to clients: an authority
// without assume_role_arn cannot vend. Thread-safe.
class CredentialVendor final : public catalog::StorageCredentialMinter {
 public:
  static Result<std::unique_ptr<CredentialVendor>> create(VendorOptions options,
                                                          AuthorityCredentialReader reader);

  // Mints client credentials for request.location (see
  // StorageCredentialMinter). Errors: kFailedPrecondition when the
  // authority has no assume_role_arn, kInvalidArgument when the session
  // policy is too long, and STS errors (AccessDenied names the role and the
  // trust policy).
  Result<nlohmann::json> mint(const catalog::MintRequest& request) override;

  // Reads one object with server-side credentials: a read-only role session
  // limited to the object's folder when the authority has a role, the
  // authority's source credentials otherwise.
  Result<std::string> read_object(std::string_view account_id,
                                  const nlohmann::json& authority,
                                  const catalog::Location& object);

  CredentialCacheStats cache_stats() const { return cache_.stats(); }

  // AssumeRole calls made (sessions for clients and for source roles).
  std::uint64_t assume_role_calls() const { return assume_role_calls_.load(); }

 private:
  struct Source {
    std::shared_ptr<aws::CredentialsProvider> provider;
    // Identifies the signing principal in cache keys without holding the
    // secret: type, access key id or role, and a hash of the secret key.
    std::string identity;
  };

  CredentialVendor(VendorOptions options,
                   AuthorityCredentialReader reader,
                   std::chrono::seconds min_validity,
                   std::shared_ptr<aws::CredentialsProvider> ambient);

  Result<Source> source_for(std::string_view account_id,
                            const nlohmann::json& authority,
                            const StorageEndpoints& endpoints);
  Result<aws::Credentials> assume_scoped_role(std::string_view account_id,
                                              const nlohmann::json& authority,
                                              const StorageEndpoints& endpoints,
                                              const catalog::Location& location,
                                              Access access);
  Result<aws::Credentials> call_assume_role(const Source& source,
                                            const StorageEndpoints& endpoints,
                                            const std::string& role_arn,
                                            const std::string& session_name,
                                            const std::string& external_id,
                                            int duration_seconds,
                                            const std::string& policy);

  VendorOptions options_;
  AuthorityCredentialReader reader_;
  CredentialCache cache_;
  std::shared_ptr<aws::CredentialsProvider> ambient_;
  std::atomic<std::uint64_t> assume_role_calls_{0};
};

}  // namespace floecat::vending
