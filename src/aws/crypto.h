#pragma once

#include <string>
#include <string_view>

#include "core/secret_bytes.h"

namespace floecat::aws {

// SHA-256 of `data`, as 32 raw bytes.
std::string sha256(std::string_view data);

// SHA-256 of `data` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);

// HMAC-SHA256 of `data` under `key`, as 32 raw bytes held in SecretBytes so
// that a key derived from it is wiped when dropped.
SecretBytes hmac_sha256(std::string_view key, std::string_view data);

}  // namespace floecat::aws
