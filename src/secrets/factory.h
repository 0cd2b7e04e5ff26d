#pragma once

#include <memory>
#include <string>

#include "core/config.h"
#include "core/result.h"
#include "secrets/secrets_store.h"

namespace floecat::secrets {

// Config key that selects the backend: "local" (the default) or "aws".
inline constexpr std::string_view kBackendKey = "floecat.secrets.backend";

// Config key of the local store's master key file.
inline constexpr std::string_view kLocalKeyFileKey = "floecat.secrets.local.key-file";

// Opens the secrets store that `config` selects. The local backend uses
// <data_dir>/secrets.db and the key file from kLocalKeyFileKey (default
// <data_dir>/secrets.key), or the key in FLOECAT_SECRETS_LOCAL_KEY read
// through `env`. `data_dir` must exist. An unknown backend is an error that
// lists the accepted values.
Result<std::unique_ptr<SecretsStore>> open_secrets_store(const Config& config,
                                                         const std::string& data_dir,
                                                         EnvLookup env = process_env());

}  // namespace floecat::secrets
