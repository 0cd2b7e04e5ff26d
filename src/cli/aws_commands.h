#pragma once

#include <CLI/CLI.hpp>

namespace floecat::cli {

// Registers `floecat secrets check` under `secrets_command` and
// `floecat policy base|trust|permissions` under `app`.
void add_aws_commands(CLI::App& app, CLI::App& secrets_command, int& exit_code);

}  // namespace floecat::cli
