#include "cli/app.h"

#include <iostream>

#include <CLI/CLI.hpp>

namespace floecat::cli {

int run(int argc, char** argv) {
  CLI::App app{"floecat: keeps a lakehouse catalog's credentials out of its database"};
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  return 0;
}

}  // namespace floecat::cli
