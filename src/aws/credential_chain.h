#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.h"
#include "aws/http_transport.h"
#include "aws/service_client.h"
#include "core/config.h"

namespace floecat::aws {

// Config key that switches on the EC2 instance metadata provider.
inline constexpr std::string_view kImdsEnabledKey = "floecat.aws.imds.enabled";

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optional AWS_SESSION_TOKEN.
// Errors: kFailedPrecondition when neither key is set, kInvalidArgument
// when only one is.
class EnvironmentCredentialsProvider final : public CredentialsProvider {
 public:
  explicit EnvironmentCredentialsProvider(EnvLookup env) : env_(std::move(env)) {}

  Result<Credentials> credentials() override;

  std::string_view name() const override { return "environment"; }

 private:
  EnvLookup env_;
};

// Parses an INI file of the AWS CLI: "[section]" headers and "key = value"
// lines; '#' and ';' start comment lines. Keys are lower-cased.
Result<std::map<std::string, std::map<std::string, std::string>>> parse_aws_ini(
    std::string_view text, std::string_view origin);

// The profile named by AWS_PROFILE (default "default") from the shared
// credentials file (AWS_SHARED_CREDENTIALS_FILE, default
// ~/.aws/credentials) and the config file (AWS_CONFIG_FILE, default
// ~/.aws/config, section "[profile NAME]" or "[default]"). Static keys only;
// the credentials file wins when both files name the profile.
// NOTE: role_arn/source_profile, SSO and credential_process profiles are
// reported as unsupported rather than followed.
class ProfileCredentialsProvider final : public CredentialsProvider {
 public:
  explicit ProfileCredentialsProvider(EnvLookup env) : env_(std::move(env)) {}

  Result<Credentials> credentials() override;

  std::string_view name() const override { return "profile"; }

 private:
  EnvLookup env_;
};

// AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (+ AWS_ROLE_SESSION_NAME) via
// STS AssumeRoleWithWebIdentity. The token file is read again on each
// refresh, because the platform rotates it.
class WebIdentityCredentialsProvider final : public CredentialsProvider {
 public:
  WebIdentityCredentialsProvider(EnvLookup env,
                                 ServiceEndpoint sts_endpoint,
                                 std::shared_ptr<HttpTransport> transport);
  Result<Credentials> credentials() override;

  std::string_view name() const override { return "web identity"; }

 private:
  EnvLookup env_;
  ServiceEndpoint sts_endpoint_;
  std::shared_ptr<HttpTransport> transport_;
};

// Returns true for hosts the container provider may call: loopback, the
// ECS endpoint 169.254.170.2 and the EKS endpoints 169.254.170.23 and
// [fd00:ec2::23].
bool is_allowed_container_host(std::string_view host);

// AWS_CONTAINER_CREDENTIALS_FULL_URI or AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
// (on http://169.254.170.2), with the Authorization header from
// AWS_CONTAINER_AUTHORIZATION_TOKEN or AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE.
class ContainerCredentialsProvider final : public CredentialsProvider {
 public:
  ContainerCredentialsProvider(EnvLookup env, std::shared_ptr<HttpTransport> transport)
      : env_(std::move(env)), transport_(std::move(transport)) {}

  Result<Credentials> credentials() override;

  std::string_view name() const override { return "container"; }

 private:
  EnvLookup env_;
  std::shared_ptr<HttpTransport> transport_;
};

// EC2 instance metadata (IMDSv2). Off unless `enabled`; when off it returns
// kFailedPrecondition without sending anything.
class ImdsCredentialsProvider final : public CredentialsProvider {
 public:
  ImdsCredentialsProvider(bool enabled, std::shared_ptr<HttpTransport> transport)
      : enabled_(enabled), transport_(std::move(transport)) {}

  Result<Credentials> credentials() override;

  std::string_view name() const override { return "instance metadata"; }

 private:
  bool enabled_;
  std::shared_ptr<HttpTransport> transport_;
};

// Tries providers in order. A provider that is not configured
// (kFailedPrecondition) passes to the next; any other error stops the
// chain. The first success is remembered and its credentials are cached
// until five minutes before they expire. Thread-safe.
class CredentialsChain final : public CredentialsProvider {
 public:
  explicit CredentialsChain(std::vector<std::shared_ptr<CredentialsProvider>> providers,
                            const Clock* clock = &SystemClock::instance());
  Result<Credentials> credentials() override;

  std::string_view name() const override { return "chain"; }

  void invalidate() override;

 private:
  std::vector<std::shared_ptr<CredentialsProvider>> providers_;
  const Clock* clock_;
  std::mutex mutex_;
  std::optional<std::size_t> chosen_;
  std::optional<Credentials> cached_;
};

struct ChainOptions {
  EnvLookup env;
  std::shared_ptr<HttpTransport> transport;
  ServiceEndpoint sts_endpoint;
  bool imds_enabled = false;
};

// The AWS CLI's order: environment, web identity token file, shared
// credentials and config files, container endpoint, then instance metadata
// (only when enabled).
std::shared_ptr<CredentialsProvider> default_credentials_chain(const ChainOptions& options);

}  // namespace floecat::aws
