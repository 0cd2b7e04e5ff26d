#pragma once

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/config.h"
#include "core/result.h"
#include "records/record_store.h"
#include "secrets/secrets_store.h"

namespace floecat::cli {

// Options of the commands that open the stores themselves (serve, secrets,
// gc): where the data lives and how the configuration is built.
struct StoreOptions {
  std::string data_dir = "./floecat-data";
  std::string config_file;
  // "key=value" pairs given as -Dkey=value.
  std::vector<std::string> overrides;
};

// Registers --data-dir, --config and -D on `command`.
void add_store_options(CLI::App& command, StoreOptions& options);

// Builds the configuration: -D overrides, then FLOECAT_* environment
// variables, then the config file.
Result<Config> load_config(const StoreOptions& options);

// Creates the data directory (mode 0700) when it does not exist.
Status ensure_data_dir(const std::string& data_dir);

// Opens the secrets store chosen by floecat.secrets.backend.
Result<std::unique_ptr<secrets::SecretsStore>> open_secrets(const Config& config,
                                                            const std::string& data_dir);

// Opens the SQLite record store at <data-dir>/records.db.
Result<std::unique_ptr<records::RecordStore>> open_records(const std::string& data_dir);

// Prints "floecat: <message>" to standard error and returns the exit code
// for the status (1, or 4 for kNotFound so scripts can tell "absent").
int report_error(const Status& status);

}  // namespace floecat::cli
