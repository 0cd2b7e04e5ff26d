#include "aws/credentials.h"

namespace floecat::aws {

Credentials Credentials::clone() const {
  Credentials copy;
  copy.access_key_id = access_key_id;
  copy.secret_access_key = secret_access_key.clone();
  copy.session_token = session_token.clone();
  copy.expiration = expiration;
  copy.source = source;
  return copy;
}

bool Credentials::expires_before(std::chrono::system_clock::time_point now,
                                 std::chrono::seconds margin) const {
  return expiration.has_value() && *expiration <= now + margin;
}

}  // namespace floecat::aws
