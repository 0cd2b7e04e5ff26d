#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "core/secret_bytes.h"

namespace floecat::catalog {

// The JSON type of one credential field.
enum class CredentialFieldType { kString, kInteger };

// One field of a credential type in the schema table.
struct CredentialField {
  std::string_view name;
  bool required = false;
  // A sensitive value is masked as "****" in every response.
  bool sensitive = false;
  CredentialFieldType type = CredentialFieldType::kString;
};

// One credential type and its fields.
struct CredentialTypeSchema {
  std::string_view type;
  std::span<const CredentialField> fields;
};

// The nine credential types, in the order error messages list them:
// bearer, client, cli, aws, aws-web-identity, aws-assume-role, token-exchange,
// token-exchange-entra, token-exchange-gcp.
std::span<const CredentialTypeSchema> credential_type_schemas();

// Returns the schema of `type`, or nullptr when the type is unknown.
const CredentialTypeSchema* find_credential_schema(std::string_view type);

// Returns true when a map key (credential properties, headers, auth
// properties, header hints) looks like it names a secret: its lower-case
// form contains secret, token, password, key, pem, private, client_id,
// clientid, access_key, session, refresh, authorization, bearer, jwt,
// assertion, external_id, credential, signature, cookie or api.
bool is_sensitive_map_key(std::string_view key);

// Lower bound and upper bound of duration_seconds, as STS accepts them.
inline constexpr std::int64_t kMinDurationSeconds = 900;
inline constexpr std::int64_t kMaxDurationSeconds = 43200;

// Credentials of a connector or a storage authority: one credential type
// with its fields, plus free `properties` and `headers` maps. Every string
// value is held in SecretBytes. Move-only.
//
// JSON form: {"type": "aws", "access_key_id": "...", ..., "properties": {},
// "headers": {}}. The same form, serialised, is the secret payload.
class AuthCredentials {
 public:
  AuthCredentials(AuthCredentials&&) noexcept = default;
  AuthCredentials& operator=(AuthCredentials&&) noexcept = default;

  // Parses a credentials object from a request. `field_path` prefixes every
  // error, e.g. "auth.credentials". When `allowed_types` is not empty, only
  // those types are accepted. Errors (kInvalidArgument) name the field path
  // and the rule: not an object, unknown type, unknown field for the type,
  // wrong JSON type, blank or missing required field, duration_seconds
  // outside kMinDurationSeconds..kMaxDurationSeconds.
  static Result<AuthCredentials> from_json(const nlohmann::json& value,
                                           std::string_view field_path,
                                           std::span<const std::string_view> allowed_types = {});

  // Parses a secret payload written by to_payload(). Errors are kInternal
  // and never quote the payload.
  static Result<AuthCredentials> from_payload(const SecretBytes& payload);

  // Serialises to compact JSON without copying values into std::string.
  SecretBytes to_payload() const;

  // Returns {"type", non-sensitive fields as given, "****" for each
  // sensitive field that is set, "properties" and "headers" with "****"
  // for every value whose key is_sensitive_map_key}.
  nlohmann::json masked_json() const;

  const std::string& type() const { return type_; }

  // Returns the string value of a field, or nullopt when it is not set. The
  // view lives as long as this object.
  std::optional<std::string_view> field(std::string_view name) const;

  // Returns duration_seconds when the type has it and it is set.
  std::optional<std::int64_t> duration_seconds() const { return duration_seconds_; }

  const std::map<std::string, SecretBytes, std::less<>>& properties() const { return properties_; }

  const std::map<std::string, SecretBytes, std::less<>>& headers() const { return headers_; }

 private:
  AuthCredentials() = default;

  std::string type_;
  std::map<std::string, SecretBytes, std::less<>> fields_;
  std::optional<std::int64_t> duration_seconds_;
  std::map<std::string, SecretBytes, std::less<>> properties_;
  std::map<std::string, SecretBytes, std::less<>> headers_;
};

// Overwrites every string in `value` (keys excluded) with zero bytes, so
// that a parsed request body leaves no plaintext copy on the heap.
void wipe_json_strings(nlohmann::json& value);

}  // namespace floecat::catalog
