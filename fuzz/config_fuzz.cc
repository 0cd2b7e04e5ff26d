// Fuzzes the config file format and the -D and environment overrides.
//
// Input: lines starting with "-D" are overrides (parsed with
// Config::parse_override), lines starting with '$' are environment entries
// "$NAME=value", and every other line belongs to the config file, which is
// written to a temporary file and read by Config::load.
//
// Checked properties:
// - Config::get returns every key from the source with the highest
//   precedence (-D, then environment, then file);
// - Config::source_of names that source;
// - the typed getters return values inside the requested range.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/config.h"
#include "fuzz/fuzz_support.h"

namespace {

using floecat::fuzz::check;

// A per-process file for the config text, removed at exit.
const std::string& config_path() {
  static const std::string path = [] {
    std::string file = (std::filesystem::temp_directory_path() /
                        ("floecat-config-fuzz-" + std::to_string(getpid()) + ".conf"))
                           .string();
    static std::string to_remove = file;
    std::atexit([] { std::remove(to_remove.c_str()); });
    return file;
  }();
  return path;
}

void check_key(const floecat::Config& config,
               const std::string& key,
               const std::map<std::string, std::string>& overrides,
               const std::map<std::string, std::string>& environment,
               const std::map<std::string, std::string>& file_values) {
  std::optional<std::string> expected;
  std::string expected_source = "default";
  std::string env_name = floecat::Config::env_name(key);
  if (auto it = overrides.find(key); it != overrides.end()) {
    expected = it->second;
    expected_source = "-D";
  } else if (auto env = environment.find(env_name); env != environment.end()) {
    expected = env->second;
    expected_source = "environment variable " + env_name;
  } else if (auto file = file_values.find(key); file != file_values.end()) {
    expected = file->second;
    expected_source = "config file " + config_path();
  }
  check(config.get(key) == expected, "Config::get ignores the precedence -D > environment > file");
  check(config.source_of(key) == expected_source, "Config::source_of names the wrong source");

  floecat::Result<std::int64_t> number = config.get_int(key, 5, -10, 1000);
  if (number.ok()) {
    check(*number >= -10 && *number <= 1000, "Config::get_int returned a value out of range");
  } else {
    check(number.status().code() == floecat::StatusCode::kInvalidArgument,
          "Config::get_int failed with a code other than kInvalidArgument");
  }
  floecat::Result<bool> flag = config.get_bool(key, false);
  if (!flag.ok()) {
    check(flag.status().code() == floecat::StatusCode::kInvalidArgument,
          "Config::get_bool failed with a code other than kInvalidArgument");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  std::map<std::string, std::string> overrides;
  std::map<std::string, std::string> environment;
  std::string file_text;
  for (std::string_view line : floecat::fuzz::split_lines(input)) {
    if (line.rfind("-D", 0) == 0) {
      floecat::Result<std::pair<std::string, std::string>> parsed =
          floecat::Config::parse_override(line);
      if (parsed.ok()) {
        check(!parsed->first.empty(), "parse_override accepted an empty key");
        overrides.insert_or_assign(parsed->first, parsed->second);
      } else {
        check(parsed.status().code() == floecat::StatusCode::kInvalidArgument,
              "parse_override failed with a code other than kInvalidArgument");
      }
    } else if (!line.empty() && line.front() == '$') {
      std::size_t equals = line.find('=');
      std::string_view name =
          line.substr(1, equals == std::string_view::npos ? line.size() : equals - 1);
      std::string_view value =
          equals == std::string_view::npos ? std::string_view() : line.substr(equals + 1);
      environment.insert_or_assign(std::string(name), std::string(value));
    } else {
      file_text.append(line);
      file_text.push_back('\n');
    }
  }

  floecat::Result<std::map<std::string, std::string>> file_values =
      floecat::Config::parse_file_text(file_text, "fuzz.conf");
  {
    std::ofstream out(config_path(), std::ios::binary | std::ios::trunc);
    out << file_text;
  }
  floecat::EnvLookup env = [&environment](const std::string& name) -> std::optional<std::string> {
    auto it = environment.find(name);
    if (it == environment.end()) {
      return std::nullopt;
    }
    return it->second;
  };
  floecat::Result<floecat::Config> config =
      floecat::Config::load(overrides, env, std::optional<std::string>(config_path()));
  check(config.ok() == file_values.ok(),
        "Config::load and Config::parse_file_text disagree on the same text");
  if (!config.ok()) {
    check(config.status().code() == floecat::StatusCode::kInvalidArgument,
          "Config::load failed with a code other than kInvalidArgument");
    return 0;
  }

  for (const auto& [key, value] : *file_values) {
    check(key.rfind("floecat.", 0) == 0, "parse_file_text accepted a key without 'floecat.'");
    check_key(*config, key, overrides, environment, *file_values);
  }
  for (const auto& [key, value] : overrides) {
    check_key(*config, key, overrides, environment, *file_values);
  }
  return 0;
}
