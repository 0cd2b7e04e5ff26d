#include "core/secret_bytes.h"

#include <openssl/crypto.h>

namespace floecat {

void secure_wipe(void* data, std::size_t size) {
  if (data != nullptr && size > 0) {
    OPENSSL_cleanse(data, size);
  }
}

SecretBytes::SecretBytes(std::string_view bytes) : bytes_(bytes.begin(), bytes.end()) {}

SecretBytes::SecretBytes(const std::uint8_t* data, std::size_t size) : bytes_(data, data + size) {}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {
  other.bytes_.clear();
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    clear();
    bytes_ = std::move(other.bytes_);
    other.bytes_.clear();
  }
  return *this;
}

SecretBytes SecretBytes::clone() const {
  return SecretBytes(bytes_.data(), bytes_.size());
}

void SecretBytes::append(std::string_view bytes) {
  bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
}

void SecretBytes::clear() {
  secure_wipe(bytes_.data(), bytes_.size());
  bytes_.clear();
}

bool SecretBytes::equals(const SecretBytes& other) const {
  return constant_time_equals(expose(), other.expose());
}

std::ostream& operator<<(std::ostream& out, const SecretBytes&) {
  return out << kMask;
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  if (a.empty()) {
    return true;
  }
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace floecat
