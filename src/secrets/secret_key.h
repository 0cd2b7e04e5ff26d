#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace floecat::secrets {

// The two kinds of secret floecat writes.
inline constexpr std::string_view kConnectorsType = "connectors";
inline constexpr std::string_view kStorageAuthoritiesType = "storage-authorities";

// Longest secret name accepted, in characters: what Secrets Manager returns
// in its responses.
inline constexpr std::size_t kMaxSecretNameLength = 256;

// The name of one secret: accounts/<account>/<type>/<id>.
//
// Segments made of letters, digits, '-', '.' and '_' appear unchanged, so the
// name an operator types with the AWS CLI is the name floecat uses. Every
// other byte of a segment, '/' included, is written as '=' followed by two
// upper-case hex digits; '=' itself becomes "=3D". The escaped form uses only
// characters Secrets Manager accepts in names, and parse() reverses it.
class SecretKey {
 public:
  // Builds a key. Errors: a blank segment ("<field> is required"), or a name
  // longer than kMaxSecretNameLength once escaped.
  static Result<SecretKey> make(std::string_view account_id,
                                std::string_view secret_type,
                                std::string_view secret_id);

  // Reverses name(). Errors: wrong shape, bad escape, blank segment.
  static Result<SecretKey> parse(std::string_view name);

  // Escapes one segment (no length check).
  static std::string escape_segment(std::string_view segment);

  // Returns the prefix "accounts/<escaped account>/" under which every
  // secret of the account is named.
  static std::string account_prefix(std::string_view account_id);

  const std::string& account_id() const { return account_id_; }

  const std::string& secret_type() const { return secret_type_; }

  const std::string& secret_id() const { return secret_id_; }

  // The full escaped name.
  const std::string& name() const { return name_; }

  friend bool operator==(const SecretKey& a, const SecretKey& b) { return a.name_ == b.name_; }

  friend bool operator<(const SecretKey& a, const SecretKey& b) { return a.name_ < b.name_; }

 private:
  SecretKey() = default;

  std::string account_id_;
  std::string secret_type_;
  std::string secret_id_;
  std::string name_;
};

}  // namespace floecat::secrets
