#include "catalog/auth_credentials.h"

#include <array>

#include <fmt/format.h>

#include "catalog/json_fields.h"
#include "catalog/property_guard.h"
#include "core/ids.h"

namespace floecat::catalog {

namespace {

using FieldType = CredentialFieldType;

constexpr CredentialField kBearerFields[] = {
    {"token", true, true, FieldType::kString},
};

constexpr CredentialField kClientFields[] = {
    {"endpoint", true, false, FieldType::kString},
    {"client_id", true, true, FieldType::kString},
    {"client_secret", true, true, FieldType::kString},
};

constexpr CredentialField kCliFields[] = {
    {"provider", false, false, FieldType::kString},
    {"profile_name", false, false, FieldType::kString},
    {"cache_path", false, false, FieldType::kString},
    {"client_id", false, false, FieldType::kString},
    {"scope", false, false, FieldType::kString},
};

constexpr CredentialField kAwsFields[] = {
    {"access_key_id", true, true, FieldType::kString},
    {"secret_access_key", true, true, FieldType::kString},
    {"session_token", false, true, FieldType::kString},
};

constexpr CredentialField kAwsWebIdentityFields[] = {
    {"role_arn", true, false, FieldType::kString},
    {"role_session_name", false, false, FieldType::kString},
    {"provider_id", false, false, FieldType::kString},
    {"duration_seconds", false, false, FieldType::kInteger},
};

constexpr CredentialField kAwsAssumeRoleFields[] = {
    {"role_arn", true, false, FieldType::kString},
    {"role_session_name", false, false, FieldType::kString},
    {"duration_seconds", false, false, FieldType::kInteger},
    {"external_id", false, true, FieldType::kString},
};

constexpr CredentialField kTokenExchangeFields[] = {
    {"endpoint", false, false, FieldType::kString},
    {"subject_token_type", false, false, FieldType::kString},
    {"requested_token_type", false, false, FieldType::kString},
    {"audience", false, false, FieldType::kString},
    {"scope", false, false, FieldType::kString},
    {"client_id", false, true, FieldType::kString},
    {"client_secret", false, true, FieldType::kString},
};

constexpr CredentialField kTokenExchangeGcpFields[] = {
    {"endpoint", false, false, FieldType::kString},
    {"subject_token_type", false, false, FieldType::kString},
    {"requested_token_type", false, false, FieldType::kString},
    {"audience", false, false, FieldType::kString},
    {"scope", false, false, FieldType::kString},
    {"client_id", false, true, FieldType::kString},
    {"client_secret", false, true, FieldType::kString},
    {"service_account_email", false, false, FieldType::kString},
    {"delegated_user", false, false, FieldType::kString},
    {"service_account_private_key_pem", false, true, FieldType::kString},
    {"service_account_private_key_id", false, true, FieldType::kString},
};

constexpr CredentialTypeSchema kSchemas[] = {
    {"bearer", kBearerFields},
    {"client", kClientFields},
    {"cli", kCliFields},
    {"aws", kAwsFields},
    {"aws-web-identity", kAwsWebIdentityFields},
    {"aws-assume-role", kAwsAssumeRoleFields},
    {"token-exchange", kTokenExchangeFields},
    {"token-exchange-entra", kTokenExchangeFields},
    {"token-exchange-gcp", kTokenExchangeGcpFields},
};

constexpr std::string_view kSensitiveKeyParts[] = {
    "secret",    "token",       "password",   "key",       "pem",           "private", "client_id",
    "clientid",  "access_key",  "session",    "refresh",   "authorization", "bearer",  "jwt",
    "assertion", "external_id", "credential", "signature", "cookie",        "api",
};

const CredentialField* find_field(const CredentialTypeSchema& schema, std::string_view name) {
  for (const CredentialField& field : schema.fields) {
    if (field.name == name) {
      return &field;
    }
  }
  return nullptr;
}

std::string join_names(std::span<const std::string_view> names) {
  std::string joined;
  for (std::string_view name : names) {
    joined += joined.empty() ? "" : ", ";
    joined += name;
  }
  return joined;
}

std::string all_type_names() {
  std::string joined;
  for (const CredentialTypeSchema& schema : kSchemas) {
    joined += joined.empty() ? "" : ", ";
    joined += schema.type;
  }
  return joined;
}

std::string field_names(const CredentialTypeSchema& schema) {
  std::string joined = "type";
  for (const CredentialField& field : schema.fields) {
    joined += ", ";
    joined += field.name;
  }
  return joined + ", properties, headers";
}

// Copies a string map (properties or headers) into SecretBytes values.
Status read_string_map(const nlohmann::json& value,
                       const std::string& path,
                       std::map<std::string, SecretBytes, std::less<>>& out) {
  if (value.is_null()) {
    return Status::ok_status();
  }
  if (!value.is_object()) {
    return invalid_argument(fmt::format("{} must be an object of strings", path));
  }
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string()) {
      return invalid_argument(fmt::format("{} must be a string", internal::join_path(path, key)));
    }
    out.emplace(key, SecretBytes(item.get_ref<const std::string&>()));
  }
  return Status::ok_status();
}

// Appends `text` as a JSON string literal, escaping what RFC 8259 requires.
void append_json_string(SecretBytes& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.append("\"");
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"') {
      out.append("\\\"");
    } else if (c == '\\') {
      out.append("\\\\");
    } else if (byte < 0x20) {
      const char escape[] = {'\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 0xf]};
      out.append(std::string_view(escape, sizeof(escape)));
    } else {
      out.append(std::string_view(&c, 1));
    }
  }
  out.append("\"");
}

void append_map(SecretBytes& out,
                std::string_view name,
                const std::map<std::string, SecretBytes, std::less<>>& map) {
  out.append(",");
  append_json_string(out, name);
  out.append(":{");
  bool first = true;
  for (const auto& [key, value] : map) {
    if (!first) {
      out.append(",");
    }
    first = false;
    append_json_string(out, key);
    out.append(":");
    append_json_string(out, value.expose());
  }
  out.append("}");
}

nlohmann::json masked_map(const std::map<std::string, SecretBytes, std::less<>>& map) {
  nlohmann::json masked = nlohmann::json::object();
  for (const auto& [key, value] : map) {
    if (is_sensitive_map_key(key)) {
      masked[key] = kMask;
    } else {
      masked[key] = value.expose();
    }
  }
  return masked;
}

}  // namespace

std::span<const CredentialTypeSchema> credential_type_schemas() {
  return kSchemas;
}

const CredentialTypeSchema* find_credential_schema(std::string_view type) {
  for (const CredentialTypeSchema& schema : kSchemas) {
    if (schema.type == type) {
      return &schema;
    }
  }
  return nullptr;
}

bool is_sensitive_map_key(std::string_view key) {
  // Every key refused in plain properties ("passwd", "passphrase", ...) is
  // masked too, so that no key is too secret to store yet shown in clear.
  if (is_forbidden_property_key(key)) {
    return true;
  }
  std::string lower = internal::to_lower(key);
  for (std::string_view part : kSensitiveKeyParts) {
    if (lower.find(part) != std::string::npos) {
      return true;
    }
  }
  return false;
}

Result<AuthCredentials> AuthCredentials::from_json(
    const nlohmann::json& value,
    std::string_view field_path,
    std::span<const std::string_view> allowed_types) {
  std::string path(field_path);
  if (!value.is_object()) {
    return invalid_argument(fmt::format("{} must be an object", path));
  }

  std::string type_names = allowed_types.empty() ? all_type_names() : join_names(allowed_types);
  auto type_it = value.find("type");
  if (type_it == value.end() || type_it->is_null()) {
    return invalid_argument(fmt::format("{}.type is required; use one of {}", path, type_names));
  }
  if (!type_it->is_string()) {
    return invalid_argument(fmt::format("{}.type must be a string", path));
  }
  const std::string& type = type_it->get_ref<const std::string&>();
  const CredentialTypeSchema* schema = find_credential_schema(type);
  bool allowed = allowed_types.empty();
  for (std::string_view name : allowed_types) {
    allowed = allowed || name == type;
  }
  if (schema == nullptr || !allowed) {
    return invalid_argument(fmt::format("{}.type must be one of {}", path, type_names));
  }

  AuthCredentials credentials;
  credentials.type_ = type;
  for (const auto& [key, item] : value.items()) {
    if (key == "type") {
      continue;
    }
    std::string item_path = internal::join_path(path, key);
    if (key == "properties") {
      FLOECAT_RETURN_IF_ERROR(read_string_map(item, item_path, credentials.properties_));
      continue;
    }
    if (key == "headers") {
      FLOECAT_RETURN_IF_ERROR(read_string_map(item, item_path, credentials.headers_));
      continue;
    }
    const CredentialField* field = find_field(*schema, key);
    if (field == nullptr) {
      return invalid_argument(fmt::format("unknown field {} for type {}; allowed fields are {}",
                                          item_path, type, field_names(*schema)));
    }
    if (item.is_null()) {
      continue;
    }
    if (field->type == FieldType::kInteger) {
      FLOECAT_ASSIGN_OR_RETURN(
          credentials.duration_seconds_,
          internal::optional_int(value, path, key, kMinDurationSeconds, kMaxDurationSeconds));
      continue;
    }
    if (!item.is_string()) {
      return invalid_argument(fmt::format("{} must be a string", item_path));
    }
    const std::string& text = item.get_ref<const std::string&>();
    if (is_blank(text)) {
      if (field->required) {
        return invalid_argument(fmt::format("{} must not be blank for type {}", item_path, type));
      }
      continue;
    }
    if (field->sensitive && text == kMask) {
      return invalid_argument(fmt::format(
          "{} is the mask {} from a response; send the real value or leave the field out",
          item_path, kMask));
    }
    credentials.fields_.emplace(key, SecretBytes(text));
  }

  for (const CredentialField& field : schema->fields) {
    if (field.required && !credentials.fields_.contains(field.name)) {
      return invalid_argument(fmt::format("{}.{} is required for type {}", path, field.name, type));
    }
  }
  return credentials;
}

Result<AuthCredentials> AuthCredentials::from_payload(const SecretBytes& payload) {
  nlohmann::json value = nlohmann::json::parse(payload.expose(), nullptr, false);
  if (value.is_discarded()) {
    return internal_error("stored credentials are not valid JSON");
  }
  Result<AuthCredentials> credentials = from_json(value, "stored credentials");
  wipe_json_strings(value);
  if (!credentials.ok()) {
    return internal_error(credentials.status().message());
  }
  return credentials;
}

SecretBytes AuthCredentials::to_payload() const {
  SecretBytes out;
  out.append("{\"type\":");
  append_json_string(out, type_);
  for (const auto& [name, value] : fields_) {
    out.append(",");
    append_json_string(out, name);
    out.append(":");
    append_json_string(out, value.expose());
  }
  if (duration_seconds_.has_value()) {
    out.append(fmt::format(",\"duration_seconds\":{}", *duration_seconds_));
  }
  append_map(out, "properties", properties_);
  append_map(out, "headers", headers_);
  out.append("}");
  return out;
}

nlohmann::json AuthCredentials::masked_json() const {
  nlohmann::json masked = nlohmann::json::object();
  masked["type"] = type_;
  const CredentialTypeSchema* schema = find_credential_schema(type_);
  for (const auto& [name, value] : fields_) {
    const CredentialField* field = schema == nullptr ? nullptr : find_field(*schema, name);
    bool sensitive = field == nullptr || field->sensitive;
    if (sensitive) {
      masked[name] = kMask;
    } else {
      masked[name] = value.expose();
    }
  }
  if (duration_seconds_.has_value()) {
    masked["duration_seconds"] = *duration_seconds_;
  }
  masked["properties"] = masked_map(properties_);
  masked["headers"] = masked_map(headers_);
  return masked;
}

std::optional<std::string_view> AuthCredentials::field(std::string_view name) const {
  auto it = fields_.find(name);
  if (it == fields_.end()) {
    return std::nullopt;
  }
  return it->second.expose();
}

void wipe_json_strings(nlohmann::json& value) {
  if (value.is_string()) {
    std::string& text = value.get_ref<std::string&>();
    secure_wipe(text.data(), text.size());
  } else if (value.is_object() || value.is_array()) {
    for (auto& item : value) {
      wipe_json_strings(item);
    }
  }
}

}  // namespace floecat::catalog
