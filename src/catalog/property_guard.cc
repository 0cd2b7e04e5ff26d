#include "catalog/property_guard.h"

#include <cctype>
#include <vector>

#include <fmt/format.h>

#include "catalog/json_fields.h"

namespace floecat::catalog {

namespace {

// Single tokens that name secret material wherever they appear.
constexpr std::string_view kSecretTokens[] = {
    "authorization", "bearer",     "secret",       "password",     "passwd",    "credential",
    "credentials",   "jwt",        "assertion",    "apikey",       "accesskey", "secretkey",
    "privatekey",    "passphrase", "clientsecret", "sessiontoken", "cookie",
};

// Two-token sequences that name secret material.
constexpr std::pair<std::string_view, std::string_view> kSecretPairs[] = {
    {"access", "key"}, {"private", "key"}, {"api", "key"}, {"secret", "key"}, {"signing", "key"},
};

// Substrings forbidden even inside one token, e.g. "AWSSecret" whose
// canonical form "awssecret" has no token boundary.
constexpr std::string_view kSecretSubstrings[] = {
    "secret", "password", "passwd", "credential", "authorization", "privatekey", "private_key",
};

// Endings that mark a secret value.
constexpr std::string_view kSecretSuffixes[] = {"_key", "_secret", "_password", "_credentials"};

std::vector<std::string_view> split_tokens(std::string_view canonical) {
  std::vector<std::string_view> tokens;
  std::size_t start = 0;
  while (start <= canonical.size()) {
    std::size_t end = canonical.find('_', start);
    if (end == std::string_view::npos) {
      end = canonical.size();
    }
    if (end > start) {
      tokens.push_back(canonical.substr(start, end - start));
    }
    start = end + 1;
  }
  return tokens;
}

bool contains_secret_tokens(const std::vector<std::string_view>& tokens) {
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    for (std::string_view secret : kSecretTokens) {
      if (tokens[i] == secret) {
        return true;
      }
    }
    // "token" alone is a secret, "token_type" names a kind of token.
    if (tokens[i] == "token" && (i + 1 == tokens.size() || tokens[i + 1] != "type")) {
      return true;
    }
    if (i + 1 < tokens.size()) {
      for (const auto& [first, second] : kSecretPairs) {
        if (tokens[i] == first && tokens[i + 1] == second) {
          return true;
        }
      }
    }
  }
  return false;
}

}  // namespace

std::string canonical_property_key(std::string_view key) {
  std::string canonical;
  bool pending_separator = false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    auto c = static_cast<unsigned char>(key[i]);
    if (!std::isalnum(c) || c > 0x7f) {
      pending_separator = true;
      continue;
    }
    if (std::isupper(c) && i > 0) {
      auto previous = static_cast<unsigned char>(key[i - 1]);
      if (std::islower(previous) || std::isdigit(previous)) {
        pending_separator = true;
      }
    }
    if (pending_separator && !canonical.empty()) {
      canonical.push_back('_');
    }
    pending_separator = false;
    canonical.push_back(static_cast<char>(std::tolower(c)));
  }
  return canonical;
}

bool is_forbidden_property_key(std::string_view key) {
  std::string canonical = canonical_property_key(key);
  if (canonical.empty()) {
    return false;
  }
  if (contains_secret_tokens(split_tokens(canonical))) {
    return true;
  }
  for (std::string_view part : kSecretSubstrings) {
    if (canonical.find(part) != std::string::npos) {
      return true;
    }
  }
  for (std::string_view suffix : kSecretSuffixes) {
    if (canonical.ends_with(suffix)) {
      return true;
    }
  }
  return canonical.ends_with("_token");
}

Status check_plain_properties(std::string_view field, const nlohmann::json& properties) {
  if (properties.is_null()) {
    return Status::ok_status();
  }
  if (!properties.is_object()) {
    return invalid_argument(fmt::format("{} must be an object of strings", field));
  }
  for (const auto& [key, value] : properties.items()) {
    if (!value.is_string()) {
      return invalid_argument(fmt::format("{} must be a string", internal::join_path(field, key)));
    }
    if (is_forbidden_property_key(key)) {
      return invalid_argument(
          fmt::format("{} key \"{}\" looks like a secret and is not stored in plain properties; "
                      "put it in auth.credentials instead",
                      field, key));
    }
  }
  return Status::ok_status();
}

}  // namespace floecat::catalog
