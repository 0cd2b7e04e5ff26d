#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/secret_bytes.h"

namespace floecat {

// Standard base64 (RFC 4648 section 4) with padding.
std::string base64_encode(std::string_view bytes);

// Decodes standard base64 with padding. Whitespace is not accepted; any
// character outside the alphabet, or a wrong length or padding, is an error.
Result<std::string> base64_decode(std::string_view text);
Result<SecretBytes> base64_decode_secret(std::string_view text);

// Returns the value of one hexadecimal digit (either case), or -1.
int hex_digit_value(char c);

// Lower-case hexadecimal.
std::string hex_encode(std::string_view bytes);
Result<std::string> hex_decode(std::string_view text);

}  // namespace floecat
