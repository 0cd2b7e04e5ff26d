#pragma once

#include <CLI/CLI.hpp>

namespace floecat::cli {

// Registers `floecat secrets put|get|delete|list` and `floecat gc`, which
// work on the stores directly, without a server. Returns the `secrets`
// command so that other commands can be added to it.
CLI::App& add_secrets_commands(CLI::App& app, int& exit_code);

}  // namespace floecat::cli
