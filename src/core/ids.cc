#include "core/ids.h"

#include <array>
#include <cstdint>
#include <stdexcept>

#include <fmt/format.h>
#include <openssl/rand.h>

namespace floecat {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

}  // namespace

std::string new_uuid() {
  std::array<std::uint8_t, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // Without randomness no id is safe to hand out; this is not recoverable.
    throw std::runtime_error("RAND_bytes failed: the system random source is unavailable");
  }
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0f) | 0x40);
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3f) | 0x80);
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      out.push_back('-');
    }
    out += fmt::format("{:02x}", bytes[i]);
  }
  return out;
}

Status validate_id(std::string_view field, std::string_view id) {
  if (is_blank(id)) {
    return invalid_argument(fmt::format("{} is required and must not be blank", field));
  }
  if (id.size() > kMaxIdLength) {
    return invalid_argument(
        fmt::format("{} must be at most {} characters, got {}", field, kMaxIdLength, id.size()));
  }
  if (id == "." || id == "..") {
    return invalid_argument(fmt::format("{} must not be '.' or '..'", field));
  }
  for (char c : id) {
    if (c == '/') {
      return invalid_argument(fmt::format("{} must not contain '/'", field));
    }
    if (!is_id_char(c)) {
      return invalid_argument(
          fmt::format("{} may contain only letters, digits, '-', '_' and '.'", field));
    }
  }
  return Status();
}

bool is_blank(std::string_view text) {
  for (char c : text) {
    if (!is_space(c)) {
      return false;
    }
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_space(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace floecat
