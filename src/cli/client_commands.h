#pragma once

#include <CLI/CLI.hpp>

namespace floecat::cli {

// Registers the commands that talk to a running server: account,
// connector and storage-authority.
void add_client_commands(CLI::App& app, int& exit_code);

}  // namespace floecat::cli
