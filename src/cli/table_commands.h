#pragma once

#include <CLI/CLI.hpp>

namespace floecat::cli {

// Registers `table register`, `table load` and `vend`, which talk to a
// running server through its Iceberg REST and management routes.
void add_table_commands(CLI::App& app, int& exit_code);

}  // namespace floecat::cli
