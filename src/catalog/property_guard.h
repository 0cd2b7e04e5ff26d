#pragma once

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace floecat::catalog {

// Canonical form of a property key: a camelCase boundary becomes '_',
// letters are lower-cased, every run of other characters becomes one '_',
// and leading and trailing '_' are dropped. "privateKeyPem" becomes
// "private_key_pem", "s3.access-key-id" becomes "s3_access_key_id".
std::string canonical_property_key(std::string_view key);

// Returns true when a plain property key looks like it names a secret, so
// its value must go in auth.credentials instead. Allowed examples:
// token_type, location, oauth2-server-uri, aws.profile, region. Forbidden
// examples: s3.access-key-id, session-token, api-key, Authorization,
// clientSecret, privateKeyPem.
bool is_forbidden_property_key(std::string_view key);

// Checks a JSON object of plain properties. `field` names it in errors, e.g.
// "auth.header_hints". Errors (kInvalidArgument): not an object, a value
// that is not a string, or a forbidden key, whose message names the field
// and the key and tells the caller to use auth.credentials.
Status check_plain_properties(std::string_view field, const nlohmann::json& properties);

}  // namespace floecat::catalog
