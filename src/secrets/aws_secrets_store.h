#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "aws/secrets_manager_client.h"
#include "aws/sts_client.h"
#include "core/config.h"
#include "secrets/secrets_store.h"

namespace floecat::secrets {

// Configuration keys of the AWS backend.
inline constexpr std::string_view kAwsRegionKey = "floecat.secrets.aws.region";
inline constexpr std::string_view kAwsEndpointKey = "floecat.secrets.aws.endpoint";
inline constexpr std::string_view kAwsStsEndpointKey = "floecat.secrets.aws.sts-endpoint";
inline constexpr std::string_view kAwsRoleArnKey = "floecat.secrets.aws.role-arn";
inline constexpr std::string_view kAwsRecoveryWindowKey =
    "floecat.secrets.aws.recovery-window-days";
inline constexpr std::string_view kAwsForceDeleteKey = "floecat.secrets.aws.force-delete";
inline constexpr std::string_view kAwsDeadlineKey = "floecat.secrets.aws.deadline-ms";

// The tag every secret carries, naming its account.
inline constexpr std::string_view kAccountIdTag = "AccountId";

struct AwsSecretsStoreOptions {
  aws::ServiceEndpoint secrets_endpoint;
  aws::ServiceEndpoint sts_endpoint;
  // Empty: every call uses the base credentials. Otherwise each account's
  // calls run under its own session of this role, tagged AccountId=<account>.
  std::string role_arn;
  int recovery_window_days = 7;
  bool force_delete = false;
  // Base credentials, transport, retry policy and clock.
  aws::ServiceContext context;
};

// Reads the options from config and the standard AWS variables. The region
// comes from floecat.secrets.aws.region, then AWS_REGION, then
// AWS_DEFAULT_REGION. Each endpoint comes from its floecat key, then
// AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL_STS, then
// AWS_ENDPOINT_URL, then the regional AWS endpoint. Credentials come from
// the default chain. Errors name the key and the rule.
Result<AwsSecretsStoreOptions> aws_store_options_from_config(const Config& config,
                                                             const EnvLookup& env);

// Secrets in AWS Secrets Manager, named by SecretKey::name() and tagged
// AccountId=<account>. Payloads are stored as SecretBinary. Thread-safe.
class AwsSecretsStore final : public SecretsStore {
 public:
  // Errors: kInvalidArgument for a recovery window outside 7-30 days.
  static Result<std::unique_ptr<AwsSecretsStore>> create(AwsSecretsStoreOptions options);

  Result<std::string> put(const SecretKey& key, const SecretBytes& payload) override;
  Result<std::optional<SecretBytes>> get(const SecretKey& key) override;
  Result<std::string> update(const SecretKey& key, const SecretBytes& payload) override;
  Status remove(const SecretKey& key) override;
  Result<std::vector<SecretKey>> list_for_account(std::string_view account_id) override;
  Result<std::map<std::string, std::string>> tags(const SecretKey& key) override;
  Status check_ready() override;

  std::string_view backend_name() const override { return "aws"; }

  // Returns the client whose calls run as `account_id`: its role session in
  // role mode, the base credentials otherwise.
  std::shared_ptr<const aws::SecretsManagerClient> client_for(std::string_view account_id);

  // Role mode: obtains (or reuses) the STS session of `account_id`.
  // Direct mode: resolves the base credentials.
  Status open_session(std::string_view account_id);

  bool role_mode() const { return sts_ != nullptr; }

  // How many AssumeRole calls the session of `account_id` has made (0 when
  // not in role mode or never used).
  int assume_role_calls(std::string_view account_id) const;

  const AwsSecretsStoreOptions& options() const { return options_; }

 private:
  struct AccountSession {
    std::shared_ptr<aws::AssumeRoleCredentialsProvider> provider;
    std::shared_ptr<const aws::SecretsManagerClient> client;
  };

  explicit AwsSecretsStore(AwsSecretsStoreOptions options);

  Result<std::string> write_existing(const aws::SecretsManagerClient& client,
                                     const SecretKey& key,
                                     const SecretBytes& payload,
                                     bool restore_first);

  AwsSecretsStoreOptions options_;
  std::shared_ptr<const aws::SecretsManagerClient> base_client_;
  std::shared_ptr<const aws::StsClient> sts_;
  mutable std::mutex sessions_mutex_;
  // NOTE: one entry per account ever used; nothing evicts them.
  std::map<std::string, AccountSession, std::less<>> sessions_;
};

}  // namespace floecat::secrets
