#include "cli/secrets_commands.h"

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "cli/store_options.h"
#include "core/logging.h"

namespace floecat::cli {
namespace {

struct SecretOptions {
  StoreOptions store;
  std::string account;
  std::string type;
  std::string id;
  std::string name;
  std::string file;
  std::string output = "table";
};

Result<secrets::SecretKey> key_from(const SecretOptions& options) {
  if (!options.name.empty()) {
    return secrets::SecretKey::parse(options.name);
  }
  return secrets::SecretKey::make(options.account, options.type, options.id);
}

// Reads the whole payload from --file or standard input into SecretBytes,
// without passing through an ordinary std::string.
Result<SecretBytes> read_payload(const std::string& file) {
  std::ifstream file_stream;
  std::istream* in = &std::cin;
  if (!file.empty()) {
    file_stream.open(file, std::ios::binary);
    if (!file_stream) {
      return invalid_argument(fmt::format("--file {} cannot be read", file));
    }
    in = &file_stream;
  }
  SecretBytes payload;
  char buffer[4096];
  while (in->read(buffer, sizeof(buffer)) || in->gcount() > 0) {
    payload.append(std::string_view(buffer, static_cast<std::size_t>(in->gcount())));
    if (payload.size() > secrets::kMaxSecretPayloadBytes) {
      break;  // enough to report the limit without reading everything
    }
  }
  secure_wipe(buffer, sizeof(buffer));
  return payload;
}

Status write_all(const SecretBytes& payload) {
  std::size_t written = 0;
  while (written < payload.size()) {
    ssize_t n = ::write(STDOUT_FILENO, payload.data() + written, payload.size() - written);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return unavailable("writing the payload to standard output failed");
    }
    written += static_cast<std::size_t>(n);
  }
  return Status();
}

// Opens the secrets store that `options` configure.
Result<std::unique_ptr<secrets::SecretsStore>> open_configured(const StoreOptions& options) {
  FLOECAT_ASSIGN_OR_RETURN(Config config, load_config(options));
  return open_secrets(config, options.data_dir);
}

Status put_secret(const SecretOptions& options, bool update) {
  FLOECAT_ASSIGN_OR_RETURN(auto key, key_from(options));
  FLOECAT_ASSIGN_OR_RETURN(auto payload, read_payload(options.file));
  FLOECAT_ASSIGN_OR_RETURN(auto store, open_configured(options.store));
  FLOECAT_ASSIGN_OR_RETURN(auto version,
                           update ? store->update(key, payload) : store->put(key, payload));
  std::cerr << fmt::format("stored {} ({} bytes, version {})\n", key.name(), payload.size(),
                           version);
  return Status();
}

Status get_secret(const SecretOptions& options) {
  FLOECAT_ASSIGN_OR_RETURN(auto key, key_from(options));
  FLOECAT_ASSIGN_OR_RETURN(auto store, open_configured(options.store));
  FLOECAT_ASSIGN_OR_RETURN(auto payload, store->get(key));
  if (!payload.has_value()) {
    return not_found(fmt::format("secret {} not found", key.name()));
  }
  return write_all(*payload);
}

Status delete_secret(const SecretOptions& options) {
  FLOECAT_ASSIGN_OR_RETURN(auto key, key_from(options));
  FLOECAT_ASSIGN_OR_RETURN(auto store, open_configured(options.store));
  FLOECAT_RETURN_IF_ERROR(store->remove(key));
  std::cerr << fmt::format("deleted {}\n", key.name());
  return Status();
}

Status list_secrets(const SecretOptions& options) {
  FLOECAT_ASSIGN_OR_RETURN(auto store, open_configured(options.store));
  FLOECAT_ASSIGN_OR_RETURN(auto keys, store->list_for_account(options.account));
  if (options.output == "json") {
    nlohmann::json names = nlohmann::json::array();
    for (const auto& key : keys) {
      names.push_back(key.name());
    }
    std::cout << names.dump() << "\n";
    return Status();
  }
  for (const auto& key : keys) {
    std::cout << key.name() << "\n";
  }
  return Status();
}

Status collect_garbage(const StoreOptions& store_options) {
  FLOECAT_ASSIGN_OR_RETURN(auto secrets, open_configured(store_options));
  FLOECAT_ASSIGN_OR_RETURN(auto records, open_records(store_options.data_dir));
  FLOECAT_ASSIGN_OR_RETURN(auto report, catalog::sweep_orphan_secrets(*secrets, *records));
  std::cout << fmt::format("removed {} orphan secrets; {} records miss their secret\n",
                           report.secrets_removed, report.records_missing_secret);
  return Status();
}

int exit_code_for(const Status& status) {
  return status.ok() ? 0 : report_error(status);
}

void add_key_options(CLI::App& command, SecretOptions& options, bool allow_name) {
  command.add_option("--account", options.account, "Account id");
  command.add_option("--type", options.type, "Secret type: connectors or storage-authorities");
  command.add_option("--id", options.id, "Secret id (the connector or storage authority id)");
  if (allow_name) {
    command.add_option("--name", options.name,
                       "Full secret name, instead of --account, --type and --id");
  }
}

}  // namespace

CLI::App& add_secrets_commands(CLI::App& app, int& exit_code) {
  CLI::App* secrets_command =
      app.add_subcommand("secrets", "Work on the secrets store directly, without a server");
  secrets_command->require_subcommand(1);

  auto options = std::make_shared<SecretOptions>();
  auto add = [&](const char* name, const char* help, bool allow_name) {
    CLI::App* command = secrets_command->add_subcommand(name, help);
    add_store_options(*command, options->store);
    add_key_options(*command, *options, allow_name);
    return command;
  };

  CLI::App* put = add("put", "Create or overwrite a secret from --file or standard input", true);
  put->add_option("--file", options->file, "Read the payload from this file");
  put->callback([options, &exit_code] { exit_code = exit_code_for(put_secret(*options, false)); });

  CLI::App* update = add("update", "Overwrite a secret from --file or standard input", true);
  update->add_option("--file", options->file, "Read the payload from this file");
  update->callback(
      [options, &exit_code] { exit_code = exit_code_for(put_secret(*options, true)); });

  CLI::App* get =
      add("get", "Write a secret's raw payload to standard output (exit 4: absent)", true);
  get->callback([options, &exit_code] { exit_code = exit_code_for(get_secret(*options)); });

  CLI::App* remove = add("delete", "Delete a secret (absent is success)", true);
  remove->callback([options, &exit_code] { exit_code = exit_code_for(delete_secret(*options)); });

  CLI::App* list = secrets_command->add_subcommand("list", "List the secret names of an account");
  add_store_options(*list, options->store);
  list->add_option("--account", options->account, "Account id")->required();
  list->add_option("--output", options->output, "table or json")
      ->check(CLI::IsMember({"table", "json"}));
  list->callback([options, &exit_code] { exit_code = exit_code_for(list_secrets(*options)); });

  auto gc_options = std::make_shared<StoreOptions>();
  CLI::App* gc = app.add_subcommand("gc", "Delete secrets whose record is gone");
  add_store_options(*gc, *gc_options);
  gc->callback(
      [gc_options, &exit_code] { exit_code = exit_code_for(collect_garbage(*gc_options)); });
  return *secrets_command;
}

}  // namespace floecat::cli
