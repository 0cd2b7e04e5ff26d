#include "secrets/aws_secrets_store.h"

#include <fmt/format.h>

#include "aws/credential_chain.h"
#include "core/encoding.h"
#include "core/logging.h"

namespace floecat::secrets {
namespace {

using aws::AwsError;
using aws::SecretsManagerClient;

std::optional<std::string> first_set(const EnvLookup& env,
                                     std::initializer_list<const char*> names) {
  for (const char* name : names) {
    std::optional<std::string> value = env(name);
    if (value.has_value() && !value->empty()) {
      return value;
    }
  }
  return std::nullopt;
}

Result<aws::ServiceEndpoint> resolve_endpoint(const Config& config,
                                              const EnvLookup& env,
                                              std::string_view key,
                                              const char* service_variable,
                                              const std::string& region,
                                              const std::string& signing_name,
                                              const std::string& default_host) {
  if (std::optional<std::string> url = config.get(key); url.has_value() && !url->empty()) {
    return aws::ServiceEndpoint::from_url(
        *url, std::string(key) + " (from " + config.source_of(key) + ")", region, signing_name);
  }
  for (const char* variable : {service_variable, "AWS_ENDPOINT_URL"}) {
    if (std::optional<std::string> url = first_set(env, {variable})) {
      return aws::ServiceEndpoint::from_url(*url, variable, region, signing_name);
    }
  }
  return aws::ServiceEndpoint::from_url("https://" + default_host, "the default endpoint", region,
                                        signing_name);
}

aws::Tags account_tags(std::string_view account_id) {
  return {{std::string(kAccountIdTag), std::string(account_id)}};
}

}  // namespace

Result<AwsSecretsStoreOptions> aws_store_options_from_config(const Config& config,
                                                             const EnvLookup& env) {
  AwsSecretsStoreOptions options;
  std::string region = config.get_string(kAwsRegionKey, "");
  if (region.empty()) {
    region = first_set(env, {"AWS_REGION", "AWS_DEFAULT_REGION"}).value_or("");
  }
  if (region.empty()) {
    return invalid_argument(
        fmt::format("no AWS region: set {} or AWS_REGION (for example -D{}=eu-west-1)",
                    kAwsRegionKey, kAwsRegionKey));
  }

  FLOECAT_ASSIGN_OR_RETURN(
      options.secrets_endpoint,
      resolve_endpoint(config, env, kAwsEndpointKey, "AWS_ENDPOINT_URL_SECRETS_MANAGER", region,
                       "secretsmanager", "secretsmanager." + region + ".amazonaws.com"));
  FLOECAT_ASSIGN_OR_RETURN(options.sts_endpoint,
                           resolve_endpoint(config, env, kAwsStsEndpointKey, "AWS_ENDPOINT_URL_STS",
                                            region, "sts", "sts." + region + ".amazonaws.com"));
  options.role_arn = config.get_string(kAwsRoleArnKey, "");
  FLOECAT_ASSIGN_OR_RETURN(std::int64_t window, config.get_int(kAwsRecoveryWindowKey, 7, 7, 30));
  options.recovery_window_days = static_cast<int>(window);
  FLOECAT_ASSIGN_OR_RETURN(options.force_delete, config.get_bool(kAwsForceDeleteKey, false));
  FLOECAT_ASSIGN_OR_RETURN(std::int64_t deadline_ms,
                           config.get_int(kAwsDeadlineKey, 30000, 100, 600000));
  options.context.retry.deadline = std::chrono::milliseconds(deadline_ms);
  options.context.retry.attempt_timeout =
      std::min(options.context.retry.attempt_timeout, options.context.retry.deadline);

  options.context.transport = std::make_shared<aws::CurlTransport>();
  FLOECAT_ASSIGN_OR_RETURN(bool imds_enabled, config.get_bool(aws::kImdsEnabledKey, false));
  aws::ChainOptions chain;
  chain.env = env;
  chain.transport = options.context.transport;
  chain.sts_endpoint = options.sts_endpoint;
  chain.imds_enabled = imds_enabled;
  options.context.credentials = aws::default_credentials_chain(chain);
  return options;
}

AwsSecretsStore::AwsSecretsStore(AwsSecretsStoreOptions options) : options_(std::move(options)) {
  base_client_ =
      std::make_shared<SecretsManagerClient>(options_.secrets_endpoint, options_.context);
  if (!options_.role_arn.empty()) {
    sts_ = std::make_shared<aws::StsClient>(options_.sts_endpoint, options_.context);
  }
}

Result<std::unique_ptr<AwsSecretsStore>> AwsSecretsStore::create(AwsSecretsStoreOptions options) {
  if (options.recovery_window_days < 7 || options.recovery_window_days > 30) {
    return invalid_argument(fmt::format("{} must be between 7 and 30 days, got {}",
                                        kAwsRecoveryWindowKey, options.recovery_window_days));
  }
  if (options.context.credentials == nullptr || options.context.transport == nullptr) {
    return invalid_argument("the AWS secrets store needs credentials and a transport");
  }
  logger().info("AWS secrets store: Secrets Manager at {}, region {}, {}",
                options.secrets_endpoint.origin, options.secrets_endpoint.region,
                options.role_arn.empty() ? std::string("base credentials")
                                         : "role sessions of " + options.role_arn);
  return std::unique_ptr<AwsSecretsStore>(new AwsSecretsStore(std::move(options)));
}

std::shared_ptr<const SecretsManagerClient> AwsSecretsStore::client_for(
    std::string_view account_id) {
  if (sts_ == nullptr) {
    return base_client_;
  }
  std::lock_guard<std::mutex> lock(sessions_mutex_);
  auto it = sessions_.find(account_id);
  if (it != sessions_.end()) {
    return it->second.client;
  }

  aws::AssumeRoleRequest request;
  request.role_arn = options_.role_arn;
  request.role_session_name = aws::session_name_for_account(account_id);
  request.tags = {{std::string(kAccountIdTag), std::string(account_id)}};
  AccountSession session;
  session.provider = std::make_shared<aws::AssumeRoleCredentialsProvider>(sts_, std::move(request),
                                                                          options_.context.clock);
  aws::ServiceContext context = options_.context;
  context.credentials = session.provider;
  session.client = std::make_shared<SecretsManagerClient>(options_.secrets_endpoint, context);
  auto client = session.client;
  sessions_.emplace(std::string(account_id), std::move(session));
  return client;
}

Status AwsSecretsStore::open_session(std::string_view account_id) {
  client_for(account_id);
  std::shared_ptr<aws::CredentialsProvider> provider = options_.context.credentials;
  if (sts_ != nullptr) {
    std::lock_guard<std::mutex> lock(sessions_mutex_);
    provider = sessions_.find(account_id)->second.provider;
  }
  Result<aws::Credentials> credentials = provider->credentials();
  return credentials.ok() ? Status::ok_status() : credentials.status();
}

int AwsSecretsStore::assume_role_calls(std::string_view account_id) const {
  std::lock_guard<std::mutex> lock(sessions_mutex_);
  auto it = sessions_.find(account_id);
  return it == sessions_.end() ? 0 : it->second.provider->assume_role_calls();
}

Result<std::string> AwsSecretsStore::write_existing(const SecretsManagerClient& client,
                                                    const SecretKey& key,
                                                    const SecretBytes& payload,
                                                    bool restore_first) {
  if (!restore_first) {
    // Secrets Manager rejects CreateSecret for a name scheduled for deletion
    // with InvalidRequestException, but moto 5.2 returns
    // ResourceExistsException, so check the deletion date before writing.
    FLOECAT_ASSIGN_OR_RETURN(aws::SecretDescription description,
                             client.describe_secret(key.name()));
    restore_first = description.deleted_date.has_value();
  }
  if (restore_first) {
    FLOECAT_RETURN_IF_ERROR(client.restore_secret(key.name()));
    logger().info("restored secret {} that was scheduled for deletion", key.name());
  }
  FLOECAT_ASSIGN_OR_RETURN(aws::SecretVersion version,
                           client.put_secret_value(key.name(), payload));
  FLOECAT_RETURN_IF_ERROR(client.tag_resource(key.name(), account_tags(key.account_id())));
  return version.version_id;
}

Result<std::string> AwsSecretsStore::put(const SecretKey& key, const SecretBytes& payload) {
  FLOECAT_RETURN_IF_ERROR(check_payload_size(key, payload));
  if (payload.empty()) {
    return invalid_argument("payload of secret " + key.name() +
                            " is empty; Secrets Manager stores 1 to 65536 bytes");
  }
  auto client = client_for(key.account_id());

  AwsError error;
  Result<aws::SecretVersion> created =
      client->create_secret(key.name(), payload, account_tags(key.account_id()), &error);
  if (created.ok()) {
    logger().info("created secret {} (version {})", key.name(), created->version_id);
    return created->version_id;
  }
  if (error.code == "ResourceExistsException") {
    return write_existing(*client, key, payload, false);
  }
  if (error.code == "InvalidRequestException") {
    // CreateSecret returns InvalidRequestException for a name that is
    // scheduled for deletion; restoring it lets the caller reuse the name.
    Result<std::string> restored = write_existing(*client, key, payload, true);
    if (restored.ok()) {
      return restored;
    }
    logger().warn("could not reuse secret name {}: {}", key.name(), restored.status().message());
  }
  return created.status();
}

Result<std::string> AwsSecretsStore::update(const SecretKey& key, const SecretBytes& payload) {
  return put(key, payload);
}

Result<std::optional<SecretBytes>> AwsSecretsStore::get(const SecretKey& key) {
  auto client = client_for(key.account_id());
  AwsError error;
  Result<aws::SecretValue> value = client->get_secret_value(key.name(), &error);
  if (!value.ok()) {
    // InvalidRequestException here means the secret is scheduled for deletion.
    if (error.code == "ResourceNotFoundException" || error.code == "InvalidRequestException") {
      return std::optional<SecretBytes>();
    }
    return value.status();
  }
  if (value->secret_binary.has_value()) {
    return std::optional<SecretBytes>(std::move(*value->secret_binary));
  }
  if (value->secret_string.has_value()) {
    // Secrets written by the Java implementation hold base64 text.
    Result<SecretBytes> decoded = base64_decode_secret(value->secret_string->expose());
    if (decoded.ok()) {
      return std::optional<SecretBytes>(std::move(*decoded));
    }
    return invalid_argument("secret " + key.name() +
                            " holds a SecretString that is not base64 text; floecat reads "
                            "SecretBinary or base64 in SecretString");
  }
  return invalid_argument("secret " + key.name() + " has neither SecretBinary nor SecretString");
}

Status AwsSecretsStore::remove(const SecretKey& key) {
  auto client = client_for(key.account_id());
  AwsError error;
  Status status = client->delete_secret(key.name(), options_.recovery_window_days,
                                        options_.force_delete, &error);
  if (status.ok()) {
    logger().info("deleted secret {} ({})", key.name(),
                  options_.force_delete
                      ? std::string("without recovery")
                      : fmt::format("recoverable for {} days", options_.recovery_window_days));
    return status;
  }
  if (error.code == "ResourceNotFoundException") {
    return Status::ok_status();
  }
  if (error.code == "InvalidRequestException") {
    // Already scheduled for deletion: the secret is gone for readers.
    Result<aws::SecretDescription> description = client->describe_secret(key.name());
    if (description.ok() && description->deleted_date.has_value()) {
      return Status::ok_status();
    }
  }
  return status;
}

Result<std::vector<SecretKey>> AwsSecretsStore::list_for_account(std::string_view account_id) {
  auto client = client_for(account_id);
  std::string prefix = SecretKey::account_prefix(account_id);
  aws::ListSecretsFilter filter;
  filter.tag_key = std::string(kAccountIdTag);
  filter.tag_value = std::string(account_id);
  filter.name_prefix = prefix;
  FLOECAT_ASSIGN_OR_RETURN(auto entries, client->list_secrets(filter));

  std::vector<SecretKey> keys;
  for (const auto& entry : entries) {
    // The tag filters match key and value separately, so check the pair.
    auto tag = entry.tags.find(std::string(kAccountIdTag));
    if (tag == entry.tags.end() || tag->second != account_id ||
        entry.name.compare(0, prefix.size(), prefix) != 0) {
      continue;
    }
    Result<SecretKey> key = SecretKey::parse(entry.name);
    if (!key.ok()) {
      logger().warn("skipping secret {} in account {}: {}", entry.name, account_id,
                    key.status().message());
      continue;
    }
    keys.push_back(std::move(*key));
  }
  return keys;
}

Result<std::map<std::string, std::string>> AwsSecretsStore::tags(const SecretKey& key) {
  auto client = client_for(key.account_id());
  AwsError error;
  Result<aws::SecretDescription> description = client->describe_secret(key.name(), &error);
  if (!description.ok()) {
    if (error.code == "ResourceNotFoundException") {
      return not_found("secret " + key.name() + " not found");
    }
    return description.status();
  }
  return description->tags;
}

Status AwsSecretsStore::check_ready() {
  aws::ListSecretsFilter filter;
  filter.name_prefix = "accounts/";
  filter.max_pages = 1;
  Result<std::vector<aws::SecretListEntry>> listed = base_client_->list_secrets(filter);
  return listed.ok() ? Status::ok_status() : listed.status();
}

}  // namespace floecat::secrets
