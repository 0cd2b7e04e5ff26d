// Runs LLVMFuzzerTestOneInput over every regular file of the directories
// given on the command line, so that a normal build replays the committed
// seed corpus and regression inputs without libFuzzer.
//
// A target reports a bug by crashing or aborting, as under libFuzzer, so a
// failing input ends this program with that signal. Exit status 1 means a
// directory was missing or no input was found.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) {
    LLVMFuzzerInitialize(&argc, &argv);
  }
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIRECTORY...\n", argv[0]);
    return 1;
  }

  std::vector<std::filesystem::path> inputs;
  for (int i = 1; i < argc; ++i) {
    std::error_code error;
    std::filesystem::directory_iterator it(argv[i], error);
    if (error) {
      std::fprintf(stderr, "cannot read input directory %s: %s\n", argv[i],
                   error.message().c_str());
      return 1;
    }
    for (const auto& entry : it) {
      if (entry.is_regular_file()) {
        inputs.push_back(entry.path());
      }
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "no input files found in the given directories\n");
    return 1;
  }
  std::sort(inputs.begin(), inputs.end());

  for (const std::filesystem::path& path : inputs) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "cannot read input file %s\n", path.c_str());
      return 1;
    }
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Printed before the run, so the last line names the input that crashed.
    std::fprintf(stderr, "replay %s (%zu bytes)\n", path.c_str(), bytes.size());
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  std::fprintf(stderr, "replayed %zu inputs\n", inputs.size());
  return 0;
}
