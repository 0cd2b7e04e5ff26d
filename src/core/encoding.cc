#include "core/encoding.h"

#include <array>

#include <openssl/evp.h>

namespace floecat {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// Checks the alphabet and padding; EVP_DecodeBlock alone accepts too much.
Status check_base64(std::string_view text, std::size_t* padding) {
  if (text.size() % 4 != 0) {
    return invalid_argument("base64 text length must be a multiple of 4");
  }
  std::size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') {
    ++pad;
  }
  for (std::size_t i = 0; i < text.size() - pad; ++i) {
    if (!is_base64_char(text[i])) {
      return invalid_argument("base64 text contains a character outside the alphabet at offset " +
                              std::to_string(i));
    }
  }
  *padding = pad;
  return Status();
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  if (bytes.empty()) {
    return out;
  }
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

Result<SecretBytes> base64_decode_secret(std::string_view text) {
  std::size_t padding = 0;
  FLOECAT_RETURN_IF_ERROR(check_base64(text, &padding));
  SecretBytes out;
  if (text.empty()) {
    return out;
  }
  out.resize(3 * (text.size() / 4));
  int written =
      EVP_DecodeBlock(out.mutable_data(), reinterpret_cast<const unsigned char*>(text.data()),
                      static_cast<int>(text.size()));
  if (written < 0) {
    return invalid_argument("base64 text is malformed");
  }
  out.resize(static_cast<std::size_t>(written) - padding);
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  FLOECAT_ASSIGN_OR_RETURN(SecretBytes bytes, base64_decode_secret(text));
  return std::string(bytes.expose());
}

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::string hex_encode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHexDigits[c >> 4]);
    out.push_back(kHexDigits[c & 0x0f]);
  }
  return out;
}

Result<std::string> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) {
    return invalid_argument("hex text must have an even number of digits");
  }
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int high = hex_digit_value(text[i]);
    int low = hex_digit_value(text[i + 1]);
    if (high < 0 || low < 0) {
      return invalid_argument("hex text contains a non-hex digit at offset " + std::to_string(i));
    }
    out.push_back(static_cast<char>(high << 4 | low));
  }
  return out;
}

}  // namespace floecat
