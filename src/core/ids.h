#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace floecat {

// Maximum length of any resource id, in bytes.
inline constexpr std::size_t kMaxIdLength = 128;

// Returns a random RFC 4122 version 4 UUID in lower case.
std::string new_uuid();

// Checks a caller-supplied resource id. `field` names the JSON field or path
// parameter for the error message. Rules: not blank, at most kMaxIdLength
// bytes, only letters, digits, '-', '_' and '.', and not "." or "..".
Status validate_id(std::string_view field, std::string_view id);

// Returns true when every character is whitespace (or the text is empty).
bool is_blank(std::string_view text);

// Removes leading and trailing ASCII whitespace.
std::string_view trim(std::string_view text);

}  // namespace floecat
