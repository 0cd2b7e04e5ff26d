#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"

// Helpers the catalog services share for reading request bodies. Every
// error is kInvalidArgument and names the field path and the rule.
namespace floecat::catalog::internal {

// Parses a request body that must be a JSON object. The parser's message is
// replaced by the byte offset, so the error never quotes the body.
Result<nlohmann::json> parse_body_object(std::string_view body);

// Joins a parent path and a key: ("auth", "scheme") gives "auth.scheme".
std::string join_path(std::string_view parent, std::string_view key);

// Rejects members of `object` that are not in `allowed`, naming the first.
Status check_known_fields(const nlohmann::json& object,
                          std::string_view path,
                          std::initializer_list<std::string_view> allowed);

// Reads an optional string member; null and absent give nullopt.
Result<std::optional<std::string>> optional_string(const nlohmann::json& object,
                                                   std::string_view path,
                                                   std::string_view key);

// Reads a string member that must be present and not blank.
Result<std::string> required_string(const nlohmann::json& object,
                                    std::string_view path,
                                    std::string_view key);

Result<std::optional<bool>> optional_bool(const nlohmann::json& object,
                                          std::string_view path,
                                          std::string_view key);

// Reads an optional integer member that must lie in [min, max].
Result<std::optional<std::int64_t>> optional_int(const nlohmann::json& object,
                                                 std::string_view path,
                                                 std::string_view key,
                                                 std::int64_t min,
                                                 std::int64_t max);

// Checks a display name: not blank, at most 256 bytes, no control characters.
Status check_display_name(std::string_view path, std::string_view name);

// Returns the lower-case ASCII form.
std::string to_lower(std::string_view text);

}  // namespace floecat::catalog::internal
