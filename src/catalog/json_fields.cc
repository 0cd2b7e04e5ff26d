#include "catalog/json_fields.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/ids.h"

namespace floecat::catalog::internal {

namespace {

constexpr std::size_t kMaxDisplayNameBytes = 256;

// Deepest nesting of arrays and objects a request body may have; the
// documents this API accepts nest at most 4 levels. The services walk
// documents recursively (merge_patch, wipe_json_strings), so an unbounded
// depth would overflow a worker thread's stack.
constexpr std::size_t kMaxJsonDepth = 32;

// Returns the deepest nesting of '[' and '{' outside string literals. The
// scan ignores syntax errors, which the parser reports afterwards.
std::size_t json_nesting_depth(std::string_view text) {
  std::size_t depth = 0;
  std::size_t max_depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return max_depth;
}

std::string_view json_type_name(const nlohmann::json& value) {
  if (value.is_string()) {
    return "a string";
  }
  if (value.is_boolean()) {
    return "a boolean";
  }
  if (value.is_number()) {
    return "a number";
  }
  if (value.is_array()) {
    return "an array";
  }
  if (value.is_object()) {
    return "an object";
  }
  return "null";
}

}  // namespace

Result<nlohmann::json> parse_body_object(std::string_view body) {
  if (json_nesting_depth(body) > kMaxJsonDepth) {
    return invalid_argument(fmt::format(
        "request body nests arrays and objects more than {} levels deep", kMaxJsonDepth));
  }
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& error) {
    return invalid_argument(
        fmt::format("request body is not valid JSON: syntax error at byte {}", error.byte));
  } catch (const nlohmann::json::out_of_range&) {
    // The parser raises this for a number beyond the range of a double, such as 1e999.
    return invalid_argument("request body is not valid JSON: a number is too large");
  }
  if (!value.is_object()) {
    return invalid_argument(
        fmt::format("request body must be a JSON object, not {}", json_type_name(value)));
  }
  return value;
}

std::string join_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) {
    return std::string(key);
  }
  return fmt::format("{}.{}", parent, key);
}

Status check_known_fields(const nlohmann::json& object,
                          std::string_view path,
                          std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (std::string_view name : allowed) {
      if (key == name) {
        known = true;
        break;
      }
    }
    if (!known) {
      std::string names;
      for (std::string_view name : allowed) {
        names += names.empty() ? "" : ", ";
        names += name;
      }
      return invalid_argument(
          fmt::format("unknown field {}; allowed fields are {}", join_path(path, key), names));
    }
  }
  return Status::ok_status();
}

Result<std::optional<std::string>> optional_string(const nlohmann::json& object,
                                                   std::string_view path,
                                                   std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return std::optional<std::string>();
  }
  if (!it->is_string()) {
    return invalid_argument(
        fmt::format("{} must be a string, not {}", join_path(path, key), json_type_name(*it)));
  }
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::string> required_string(const nlohmann::json& object,
                                    std::string_view path,
                                    std::string_view key) {
  FLOECAT_ASSIGN_OR_RETURN(std::optional<std::string> value, optional_string(object, path, key));
  if (!value.has_value() || is_blank(*value)) {
    return invalid_argument(
        fmt::format("{} is required and must not be blank", join_path(path, key)));
  }
  return std::move(*value);
}

Result<std::optional<bool>> optional_bool(const nlohmann::json& object,
                                          std::string_view path,
                                          std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return std::optional<bool>();
  }
  if (!it->is_boolean()) {
    return invalid_argument(
        fmt::format("{} must be a boolean, not {}", join_path(path, key), json_type_name(*it)));
  }
  return std::optional<bool>(it->get<bool>());
}

Result<std::optional<std::int64_t>> optional_int(const nlohmann::json& object,
                                                 std::string_view path,
                                                 std::string_view key,
                                                 std::int64_t min,
                                                 std::int64_t max) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return std::optional<std::int64_t>();
  }
  std::string rule =
      fmt::format("{} must be an integer between {} and {}", join_path(path, key), min, max);
  if (!it->is_number_integer()) {
    return invalid_argument(rule);
  }
  if (it->is_number_unsigned()) {
    auto value = it->get<std::uint64_t>();
    if (value > static_cast<std::uint64_t>(max)) {
      return invalid_argument(rule);
    }
  }
  auto value = it->get<std::int64_t>();
  if (value < min || value > max) {
    return invalid_argument(rule);
  }
  return std::optional<std::int64_t>(value);
}

Status check_display_name(std::string_view path, std::string_view name) {
  if (is_blank(name)) {
    return invalid_argument(fmt::format("{} is required and must not be blank", path));
  }
  if (name.size() > kMaxDisplayNameBytes) {
    return invalid_argument(
        fmt::format("{} must be at most {} bytes long", path, kMaxDisplayNameBytes));
  }
  for (char c : name) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return invalid_argument(fmt::format("{} must not contain control characters", path));
    }
  }
  return Status::ok_status();
}

std::string to_lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return lower;
}

}  // namespace floecat::catalog::internal
