#include "cli/app.h"

#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/aws_commands.h"
#include "cli/client_commands.h"
#include "cli/secrets_commands.h"
#include "cli/serve_command.h"
#include "cli/table_commands.h"
#include "cli/token_commands.h"

namespace floecat::cli {

int run(int argc, char** argv) {
  CLI::App app{"floecat: keeps a lakehouse catalog's credentials out of its database"};
  app.require_subcommand(1);
  int exit_code = 0;
  add_serve_command(app, exit_code);
  add_client_commands(app, exit_code);
  add_token_commands(app, exit_code);
  CLI::App& secrets_command = add_secrets_commands(app, exit_code);
  add_aws_commands(app, secrets_command, exit_code);
  add_table_commands(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}

}  // namespace floecat::cli
