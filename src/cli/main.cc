#include "cli/app.h"

int main(int argc, char** argv) {
  return floecat::cli::run(argc, argv);
}
