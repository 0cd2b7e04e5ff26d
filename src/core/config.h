#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace floecat {

// Looks up an environment variable; injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Returns the process environment lookup (getenv).
EnvLookup process_env();

// Settings of the form "floecat.secrets.backend", resolved with this
// precedence: overrides given as -Dkey=value > environment variable >
// config file > the default passed by the caller. The environment name of a
// key is its upper-case form with '.' and '-' turned into '_':
// floecat.secrets.aws.role-arn is FLOECAT_SECRETS_AWS_ROLE_ARN.
class Config {
 public:
  Config() = default;

  // Builds a config from -D overrides, an environment and an optional file.
  // A file that cannot be read or parsed is an error naming the file and line.
  static Result<Config> load(std::map<std::string, std::string> overrides,
                             EnvLookup env,
                             const std::optional<std::string>& file_path);

  // Parses the text of a config file: one "key = value" per line, '#' starts
  // a comment line, blank lines are ignored, keys must start with "floecat.".
  static Result<std::map<std::string, std::string>> parse_file_text(std::string_view text,
                                                                    std::string_view origin);

  // Parses "-Dkey=value" or "key=value" into a pair; the value may be empty.
  static Result<std::pair<std::string, std::string>> parse_override(std::string_view text);

  static std::string env_name(std::string_view key);

  std::optional<std::string> get(std::string_view key) const;
  std::string get_string(std::string_view key, std::string_view fallback) const;

  // Typed getters. An unparsable or out-of-range value is an error naming
  // the key, where it came from, and the accepted form.
  Result<bool> get_bool(std::string_view key, bool fallback) const;
  Result<std::int64_t> get_int(std::string_view key,
                               std::int64_t fallback,
                               std::int64_t min,
                               std::int64_t max) const;

  // Returns where the effective value of `key` comes from: "-D", "environment
  // variable NAME", "config file PATH" or "default".
  std::string source_of(std::string_view key) const;

  // Sets an override after loading (what -D does).
  void set(std::string key, std::string value);

 private:
  std::map<std::string, std::string, std::less<>> overrides_;
  std::map<std::string, std::string, std::less<>> file_values_;
  std::string file_path_;
  EnvLookup env_;
};

}  // namespace floecat
