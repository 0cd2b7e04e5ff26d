#pragma once

#include <CLI/CLI.hpp>

namespace floecat::cli {

// Registers `floecat serve`; its exit code is stored in `exit_code`.
void add_serve_command(CLI::App& app, int& exit_code);

}  // namespace floecat::cli
