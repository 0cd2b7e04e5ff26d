#include "cli/store_options.h"

#include <cerrno>
#include <cstring>
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "records/sqlite_record_store.h"
#include "secrets/factory.h"

#include <sys/stat.h>

namespace floecat::cli {

void add_store_options(CLI::App& command, StoreOptions& options) {
  command
      .add_option("--data-dir", options.data_dir,
                  "Directory of the records database and the local secrets store")
      ->capture_default_str();
  command.add_option("--config", options.config_file, "Config file of 'floecat.key = value' lines")
      ->check(CLI::ExistingFile);
  command.add_option("-D", options.overrides,
                     "Set a config key, e.g. -Dfloecat.secrets.backend=aws (repeatable)");
}

Result<Config> load_config(const StoreOptions& options) {
  std::map<std::string, std::string> overrides;
  for (const std::string& text : options.overrides) {
    FLOECAT_ASSIGN_OR_RETURN(auto pair, Config::parse_override(text));
    overrides.insert_or_assign(pair.first, pair.second);
  }
  std::optional<std::string> file;
  if (!options.config_file.empty()) {
    file = options.config_file;
  }
  return Config::load(std::move(overrides), process_env(), file);
}

Status ensure_data_dir(const std::string& data_dir) {
  if (::mkdir(data_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return invalid_argument(
        fmt::format("data directory {} cannot be created: {}", data_dir, std::strerror(errno)));
  }

  struct stat info {};

  if (::stat(data_dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return invalid_argument(fmt::format("data directory {} is not a directory", data_dir));
  }
  return Status();
}

Result<std::unique_ptr<secrets::SecretsStore>> open_secrets(const Config& config,
                                                            const std::string& data_dir) {
  FLOECAT_RETURN_IF_ERROR(ensure_data_dir(data_dir));
  return secrets::open_secrets_store(config, data_dir);
}

Result<std::unique_ptr<records::RecordStore>> open_records(const std::string& data_dir) {
  FLOECAT_RETURN_IF_ERROR(ensure_data_dir(data_dir));
  FLOECAT_ASSIGN_OR_RETURN(auto store, records::SqliteRecordStore::open(data_dir + "/records.db"));
  return std::unique_ptr<records::RecordStore>(std::move(store));
}

int report_error(const Status& status) {
  std::cerr << "floecat: " << status.message() << "\n";
  return status.code() == StatusCode::kNotFound ? 4 : 1;
}

}  // namespace floecat::cli
