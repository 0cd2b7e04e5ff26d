#include "aws/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/encoding.h"

namespace floecat::aws {

std::string sha256(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string sha256_hex(std::string_view data) {
  return hex_encode(sha256(data));
}

SecretBytes hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &length);
  SecretBytes result(mac, length);
  secure_wipe(mac, sizeof(mac));
  return result;
}

}  // namespace floecat::aws
