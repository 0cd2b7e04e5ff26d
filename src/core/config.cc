#include "core/config.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/ids.h"

namespace floecat {

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string(value);
  };
}

Result<Config> Config::load(std::map<std::string, std::string> overrides,
                            EnvLookup env,
                            const std::optional<std::string>& file_path) {
  Config config;
  for (auto& [key, value] : overrides) {
    config.overrides_.emplace(key, value);
  }
  config.env_ = std::move(env);
  if (file_path.has_value()) {
    std::ifstream in(*file_path);
    if (!in) {
      return invalid_argument(fmt::format("config file {} cannot be read", *file_path));
    }
    std::stringstream text;
    text << in.rdbuf();
    FLOECAT_ASSIGN_OR_RETURN(auto values, parse_file_text(text.str(), *file_path));
    for (auto& [key, value] : values) {
      config.file_values_.emplace(key, value);
    }
    config.file_path_ = *file_path;
  }
  return config;
}

Result<std::map<std::string, std::string>> Config::parse_file_text(std::string_view text,
                                                                   std::string_view origin) {
  std::map<std::string, std::string> values;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    line = trim(line);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    std::size_t equals = line.find('=');
    if (equals == std::string_view::npos) {
      return invalid_argument(
          fmt::format("{} line {}: expected 'key = value'", origin, line_number));
    }
    std::string key(trim(line.substr(0, equals)));
    std::string value(trim(line.substr(equals + 1)));
    if (key.rfind("floecat.", 0) != 0 || key.size() == 8) {
      return invalid_argument(
          fmt::format("{} line {}: key must start with 'floecat.'", origin, line_number));
    }
    for (char c : key) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) {
        return invalid_argument(
            fmt::format("{} line {}: key may contain only letters, digits, '.', '-' and '_'",
                        origin, line_number));
      }
    }
    if (values.count(key) != 0) {
      return invalid_argument(
          fmt::format("{} line {}: key {} is set twice", origin, line_number, key));
    }
    values.emplace(std::move(key), std::move(value));
  }
  return values;
}

Result<std::pair<std::string, std::string>> Config::parse_override(std::string_view text) {
  if (text.rfind("-D", 0) == 0) {
    text.remove_prefix(2);
  }
  std::size_t equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    return invalid_argument("override must have the form -Dkey=value");
  }
  return std::make_pair(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
}

std::string Config::env_name(std::string_view key) {
  std::string name;
  name.reserve(key.size());
  for (char c : key) {
    if (c == '.' || c == '-') {
      name.push_back('_');
    } else {
      name.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
  }
  return name;
}

std::optional<std::string> Config::get(std::string_view key) const {
  if (auto it = overrides_.find(key); it != overrides_.end()) {
    return it->second;
  }
  if (env_) {
    if (auto value = env_(env_name(key)); value.has_value()) {
      return value;
    }
  }
  if (auto it = file_values_.find(key); it != file_values_.end()) {
    return it->second;
  }
  return std::nullopt;
}

std::string Config::get_string(std::string_view key, std::string_view fallback) const {
  auto value = get(key);
  return value.has_value() ? *value : std::string(fallback);
}

Result<bool> Config::get_bool(std::string_view key, bool fallback) const {
  auto value = get(key);
  if (!value.has_value() || trim(*value).empty()) {
    return fallback;
  }
  std::string text(trim(*value));
  for (char& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (text == "true" || text == "1" || text == "yes") {
    return true;
  }
  if (text == "false" || text == "0" || text == "no") {
    return false;
  }
  return invalid_argument(fmt::format("{} (from {}) must be true or false", key, source_of(key)));
}

Result<std::int64_t> Config::get_int(std::string_view key,
                                     std::int64_t fallback,
                                     std::int64_t min,
                                     std::int64_t max) const {
  auto value = get(key);
  if (!value.has_value() || trim(*value).empty()) {
    return fallback;
  }
  std::string text(trim(*value));
  char* end = nullptr;
  errno = 0;
  long long parsed = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || end != text.c_str() + text.size()) {
    return invalid_argument(
        fmt::format("{} (from {}) must be a whole number", key, source_of(key)));
  }
  if (parsed < min || parsed > max) {
    return invalid_argument(fmt::format("{} (from {}) must be between {} and {}, got {}", key,
                                        source_of(key), min, max, parsed));
  }
  return static_cast<std::int64_t>(parsed);
}

std::string Config::source_of(std::string_view key) const {
  if (overrides_.count(key) != 0) {
    return "-D";
  }
  if (env_ && env_(env_name(key)).has_value()) {
    return "environment variable " + env_name(key);
  }
  if (file_values_.count(key) != 0) {
    return "config file " + file_path_;
  }
  return "default";
}

void Config::set(std::string key, std::string value) {
  overrides_.insert_or_assign(std::move(key), std::move(value));
}

}  // namespace floecat
