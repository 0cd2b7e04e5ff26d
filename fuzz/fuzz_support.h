#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

// Helpers shared by the fuzz targets.
namespace floecat::fuzz {

// Aborts with `message` when `condition` is false. Targets use it for the
// properties they check, so libFuzzer (or the replay program) reports a
// wrong result like a crash and keeps the input.
inline void check(bool condition, const char* message) {
  if (!condition) {
    std::fprintf(stderr, "fuzz check failed: %s\n", message);
    std::abort();
  }
}

// Splits `text` at '\n'. A trailing newline does not add an empty line.
inline std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  return lines;
}

}  // namespace floecat::fuzz
