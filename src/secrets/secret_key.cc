#include "secrets/secret_key.h"

#include <cstdint>
#include <vector>

#include <fmt/format.h>

#include "core/ids.h"

namespace floecat::secrets {
namespace {

constexpr std::string_view kAccountsSegment = "accounts";
constexpr char kEscapeChar = '=';
constexpr std::string_view kUpperHexDigits = "0123456789ABCDEF";

// Bytes that appear in a segment unchanged. Everything else is escaped.
bool is_plain_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

// Returns the value of an upper-case hex digit, or -1. Lower-case digits are
// rejected so that every byte has exactly one escaped spelling.
int upper_hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

Status check_segment_present(std::string_view field, std::string_view value) {
  if (is_blank(value)) {
    return invalid_argument(fmt::format("{} is required", field));
  }
  return Status();
}

// Reverses escape_segment for one segment of `name`. Only the canonical form
// is accepted: a plain byte written as an escape, or a lower-case hex digit,
// is an error, because it would give a second name for the same key.
Result<std::string> unescape_segment(std::string_view name,
                                     std::string_view field,
                                     std::string_view segment) {
  std::string out;
  out.reserve(segment.size());
  for (std::size_t i = 0; i < segment.size(); ++i) {
    const auto c = static_cast<unsigned char>(segment[i]);
    if (is_plain_byte(c)) {
      out.push_back(static_cast<char>(c));
      continue;
    }
    if (c != kEscapeChar) {
      return invalid_argument(fmt::format(
          "invalid secret name '{}': {} contains byte 0x{:02X} at offset {}, which must be "
          "escaped as ={:02X}",
          name, field, c, i, c));
    }
    const int high = i + 1 < segment.size() ? upper_hex_value(segment[i + 1]) : -1;
    const int low = i + 2 < segment.size() ? upper_hex_value(segment[i + 2]) : -1;
    if (high < 0 || low < 0) {
      return invalid_argument(fmt::format(
          "invalid secret name '{}': {} has an escape at offset {} that is not '=' followed by "
          "two upper-case hex digits",
          name, field, i));
    }
    const auto decoded = static_cast<unsigned char>(high * 16 + low);
    if (is_plain_byte(decoded)) {
      return invalid_argument(
          fmt::format("invalid secret name '{}': {} escapes '{}', which must appear unescaped",
                      name, field, static_cast<char>(decoded)));
    }
    out.push_back(static_cast<char>(decoded));
    i += 2;
  }
  return out;
}

std::vector<std::string_view> split_on_slash(std::string_view name) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = name.find('/', start);
    if (slash == std::string_view::npos) {
      parts.push_back(name.substr(start));
      return parts;
    }
    parts.push_back(name.substr(start, slash - start));
    start = slash + 1;
  }
}

}  // namespace

std::string SecretKey::escape_segment(std::string_view segment) {
  std::string out;
  out.reserve(segment.size());
  for (char raw : segment) {
    const auto c = static_cast<unsigned char>(raw);
    if (is_plain_byte(c)) {
      out.push_back(raw);
      continue;
    }
    out.push_back(kEscapeChar);
    out.push_back(kUpperHexDigits[c >> 4]);
    out.push_back(kUpperHexDigits[c & 0x0f]);
  }
  return out;
}

std::string SecretKey::account_prefix(std::string_view account_id) {
  return fmt::format("{}/{}/", kAccountsSegment, escape_segment(account_id));
}

Result<SecretKey> SecretKey::make(std::string_view account_id,
                                  std::string_view secret_type,
                                  std::string_view secret_id) {
  FLOECAT_RETURN_IF_ERROR(check_segment_present("account_id", account_id));
  FLOECAT_RETURN_IF_ERROR(check_segment_present("secret_type", secret_type));
  FLOECAT_RETURN_IF_ERROR(check_segment_present("secret_id", secret_id));

  std::string name = account_prefix(account_id);
  name += escape_segment(secret_type);
  name.push_back('/');
  name += escape_segment(secret_id);
  if (name.size() > kMaxSecretNameLength) {
    // The name itself is not echoed: it may be long, and ids are caller input.
    return invalid_argument(fmt::format(
        "secret name for account_id, secret_type and secret_id is {} characters once escaped; "
        "the limit is {}. Use shorter ids (bytes other than letters, digits, '-', '.' and '_' "
        "take three characters each)",
        name.size(), kMaxSecretNameLength));
  }

  SecretKey key;
  key.account_id_ = std::string(account_id);
  key.secret_type_ = std::string(secret_type);
  key.secret_id_ = std::string(secret_id);
  key.name_ = std::move(name);
  return key;
}

Result<SecretKey> SecretKey::parse(std::string_view name) {
  if (name.size() > kMaxSecretNameLength) {
    return invalid_argument(fmt::format("invalid secret name: it is {} characters; the limit is {}",
                                        name.size(), kMaxSecretNameLength));
  }
  const std::vector<std::string_view> parts = split_on_slash(name);
  if (parts.size() != 4 || parts[0] != kAccountsSegment) {
    return invalid_argument(fmt::format(
        "invalid secret name '{}': expected accounts/<account_id>/<secret_type>/<secret_id>",
        name));
  }
  FLOECAT_ASSIGN_OR_RETURN(std::string account_id, unescape_segment(name, "account_id", parts[1]));
  FLOECAT_ASSIGN_OR_RETURN(std::string secret_type,
                           unescape_segment(name, "secret_type", parts[2]));
  FLOECAT_ASSIGN_OR_RETURN(std::string secret_id, unescape_segment(name, "secret_id", parts[3]));
  return make(account_id, secret_type, secret_id);
}

}  // namespace floecat::secrets
