#include "secrets/factory.h"

#include <fmt/format.h>

#include "core/logging.h"
#include "secrets/aws_secrets_store.h"
#include "secrets/local_secrets_store.h"

namespace floecat::secrets {

Result<std::unique_ptr<SecretsStore>> open_secrets_store(const Config& config,
                                                         const std::string& data_dir,
                                                         EnvLookup env) {
  const std::string backend = config.get_string(kBackendKey, "local");

  if (backend == "local") {
    LocalSecretsStoreOptions options;
    options.database_path = data_dir + "/secrets.db";
    options.key_file_path = config.get_string(kLocalKeyFileKey, data_dir + "/secrets.key");
    options.env = std::move(env);
    FLOECAT_ASSIGN_OR_RETURN(auto store, LocalSecretsStore::open(options));
    return std::unique_ptr<SecretsStore>(std::move(store));
  }

  if (backend == "aws") {
    FLOECAT_ASSIGN_OR_RETURN(auto options, aws_store_options_from_config(config, env));
    FLOECAT_ASSIGN_OR_RETURN(auto store, AwsSecretsStore::create(std::move(options)));
    return std::unique_ptr<SecretsStore>(std::move(store));
  }

  return invalid_argument(
      fmt::format("{} has invalid value '{}' (from {}); accepted values: local, aws", kBackendKey,
                  backend, config.source_of(kBackendKey)));
}

}  // namespace floecat::secrets
