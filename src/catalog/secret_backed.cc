#include "catalog/secret_backed.h"

#include <array>
#include <chrono>
#include <functional>
#include <mutex>

#include <fmt/format.h>

#include "catalog/json_fields.h"
#include "core/clock.h"
#include "core/fault.h"
#include "core/ids.h"
#include "core/logging.h"

namespace floecat::catalog::internal {

namespace {

using nlohmann::json;

enum class CredentialChange { kNone, kRemove, kReplace };

struct ExtractedCredentials {
  CredentialChange change = CredentialChange::kNone;
  std::optional<AuthCredentials> credentials;
};

// Takes the credentials member out of a request document and parses it, so
// that the rest of the document never carries secret material. In a patch,
// null (or a null parent such as "auth": null) means "remove".
Result<ExtractedCredentials> extract_credentials(json& document, const ResourceKind& kind) {
  json::json_pointer pointer(kind.credentials_pointer);
  json::json_pointer parent_pointer = pointer.parent_pointer();
  std::string member = pointer.back();
  ExtractedCredentials extracted;

  json* parent = &document;
  if (!parent_pointer.empty()) {
    if (!document.contains(parent_pointer)) {
      return extracted;
    }
    parent = &document.at(parent_pointer);
    if (parent->is_null()) {
      extracted.change = CredentialChange::kRemove;
      return extracted;
    }
    if (!parent->is_object()) {
      // The validator reports the wrong type with the field's name.
      return extracted;
    }
  }

  auto it = parent->find(member);
  if (it == parent->end()) {
    return extracted;
  }
  if (it->is_null()) {
    parent->erase(it);
    extracted.change = CredentialChange::kRemove;
    return extracted;
  }
  Result<AuthCredentials> parsed =
      AuthCredentials::from_json(*it, kind.credentials_path, kind.allowed_types);
  wipe_json_strings(*it);
  parent->erase(it);
  if (!parsed.ok()) {
    return parsed.status();
  }
  extracted.change = CredentialChange::kReplace;
  extracted.credentials = std::move(parsed).value();
  return extracted;
}

void attach_secret(json& stored,
                   const secrets::SecretKey& key,
                   const std::string& version,
                   const AuthCredentials& credentials) {
  stored[kSecretMember] = {{"name", key.name()}, {"version", version}};
  stored[kCredentialTypeMember] = credentials.type();
  stored[kMaskedCredentialsMember] = credentials.masked_json();
}

// Returns the mutex that serializes writes to one resource. Without it, a
// failed credential update that ran next to another update or a delete of
// the same resource could restore a payload that the other update replaced,
// or re-create the secret of a record that was just deleted.
// NOTE: the lock covers this process only; two servers on one store can
// still interleave these writes.
std::mutex& resource_mutex(std::string_view record_kind,
                           std::string_view account_id,
                           std::string_view id) {
  static std::array<std::mutex, 64> mutexes;
  std::size_t hash =
      std::hash<std::string>{}(fmt::format("{}\n{}\n{}", record_kind, account_id, id));
  return mutexes[hash % mutexes.size()];
}

// Returns the mutex held from a conflict check to the write it allows, so
// that two creates of one account cannot both pass the check (two storage
// authorities with one prefix, say).
std::mutex& conflict_mutex(std::string_view record_kind, std::string_view account_id) {
  static std::array<std::mutex, 64> mutexes;
  std::size_t hash = std::hash<std::string>{}(fmt::format("{}\n{}", record_kind, account_id));
  return mutexes[hash % mutexes.size()];
}

std::string format_ms(std::int64_t ms) {
  return format_rfc3339(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

}  // namespace

json public_document(const json& stored) {
  json document = stored;
  document.erase(kSecretMember);
  document.erase(kCredentialTypeMember);
  document.erase(kMaskedCredentialsMember);
  return document;
}

SecretBackedResources::SecretBackedResources(secrets::SecretsStore& secrets,
                                             records::RecordStore& records,
                                             ResourceKind kind)
    : secrets_(secrets), records_(records), kind_(std::move(kind)) {}

std::shared_mutex& account_lock(std::string_view account_id) {
  static std::array<std::shared_mutex, 64> locks;
  return locks[std::hash<std::string_view>{}(account_id) % locks.size()];
}

Status check_account_exists(records::RecordStore& records, std::string_view account_id) {
  if (is_blank(account_id)) {
    return invalid_argument("account id is required and must not be blank");
  }
  Result<records::Record> account = records.get(records::kAccountKind, "", account_id);
  if (!account.ok() && account.status().code() == StatusCode::kNotFound) {
    return not_found(fmt::format("account '{}' not found", account_id));
  }
  return account.status();
}

Result<records::Record> SecretBackedResources::find_record(std::string_view account_id,
                                                           std::string_view id_or_name) {
  if (is_blank(id_or_name)) {
    return invalid_argument(fmt::format("{} id is required and must not be blank", kind_.noun));
  }
  Result<records::Record> by_id = records_.get(kind_.record_kind, account_id, id_or_name);
  if (by_id.ok() || by_id.status().code() != StatusCode::kNotFound) {
    return by_id;
  }
  Result<records::Record> by_name = records_.get_by_name(kind_.record_kind, account_id, id_or_name);
  if (by_name.ok() || by_name.status().code() != StatusCode::kNotFound) {
    return by_name;
  }
  return not_found(
      fmt::format("{} '{}' not found in account '{}' (looked up by id and by "
                  "display name)",
                  kind_.noun, id_or_name, account_id));
}

json SecretBackedResources::to_response(const records::Record& record) const {
  json stored = json::parse(record.body, nullptr, false);
  if (stored.is_discarded() || !stored.is_object()) {
    logger().error("{} {} in account {} has a body that is not a JSON object", kind_.noun,
                   record.id, record.account_id);
    stored = json::object();
  }
  json response = public_document(stored);
  auto masked = stored.find(kMaskedCredentialsMember);
  if (masked != stored.end()) {
    response[json::json_pointer(kind_.credentials_pointer)] = *masked;
  }
  response["id"] = record.id;
  response["etag"] = records::etag_for(record.version);
  response["created_at"] = format_ms(record.created_at_ms);
  response["updated_at"] = format_ms(record.updated_at_ms);
  if (kind_.present) {
    kind_.present(response);
  }
  return response;
}

Result<json> SecretBackedResources::create(std::string_view account_id, std::string_view body) {
  std::shared_lock account_guard(account_lock(account_id));
  FLOECAT_RETURN_IF_ERROR(check_account_exists(records_, account_id));
  FLOECAT_ASSIGN_OR_RETURN(json document, parse_body_object(body));
  FLOECAT_ASSIGN_OR_RETURN(ExtractedCredentials extracted, extract_credentials(document, kind_));
  FLOECAT_ASSIGN_OR_RETURN(json stored, kind_.validate(document));

  std::string id = new_uuid();
  std::unique_lock<std::mutex> conflict_guard;
  if (kind_.check_conflicts) {
    conflict_guard = std::unique_lock(conflict_mutex(kind_.record_kind, account_id));
    FLOECAT_RETURN_IF_ERROR(kind_.check_conflicts(account_id, id, stored));
  }

  std::optional<secrets::SecretKey> key;
  if (extracted.credentials.has_value()) {
    FLOECAT_ASSIGN_OR_RETURN(key, secrets::SecretKey::make(account_id, kind_.secret_type, id));
    SecretBytes payload = extracted.credentials->to_payload();
    FLOECAT_RETURN_IF_ERROR(secrets::check_payload_size(*key, payload));
    FLOECAT_ASSIGN_OR_RETURN(std::string version, secrets_.put(*key, payload));
    fault_point(fmt::format("{}.create.after_secret", kind_.fault_prefix));
    attach_secret(stored, *key, version, *extracted.credentials);
  }

  records::Record record;
  record.kind = std::string(kind_.record_kind);
  record.account_id = std::string(account_id);
  record.id = id;
  record.display_name = stored.at("display_name").get<std::string>();
  record.body = stored.dump();
  Result<records::Record> created = records_.create(std::move(record));
  if (!created.ok()) {
    if (key.has_value()) {
      Status undo = secrets_.remove(*key);
      if (!undo.ok()) {
        logger().error(
            "could not delete secret {} after a failed {} create; the orphan sweep "
            "will remove it: {}",
            key->name(), kind_.noun, undo);
      }
    }
    return created.status();
  }
  logger().info("created {} {} in account {}", kind_.noun, id, account_id);
  return to_response(*created);
}

Result<json> SecretBackedResources::get(std::string_view account_id, std::string_view id_or_name) {
  FLOECAT_RETURN_IF_ERROR(check_account_exists(records_, account_id));
  FLOECAT_ASSIGN_OR_RETURN(records::Record record, find_record(account_id, id_or_name));
  return to_response(record);
}

Result<json> SecretBackedResources::list(std::string_view account_id) {
  FLOECAT_RETURN_IF_ERROR(check_account_exists(records_, account_id));
  FLOECAT_ASSIGN_OR_RETURN(std::vector<records::Record> records,
                           records_.list(kind_.record_kind, account_id));
  json items = json::array();
  for (const records::Record& record : records) {
    items.push_back(to_response(record));
  }
  return json{{std::string(kind_.list_member), std::move(items)}};
}

Result<json> SecretBackedResources::update(std::string_view account_id,
                                           std::string_view id_or_name,
                                           std::string_view body,
                                           std::optional<std::string_view> if_match) {
  std::shared_lock account_guard(account_lock(account_id));
  FLOECAT_RETURN_IF_ERROR(check_account_exists(records_, account_id));
  FLOECAT_ASSIGN_OR_RETURN(records::Record found, find_record(account_id, id_or_name));
  std::lock_guard lock(resource_mutex(kind_.record_kind, account_id, found.id));
  // Read again under the lock: a write that held it may have changed or
  // deleted the record since the lookup.
  FLOECAT_ASSIGN_OR_RETURN(records::Record current,
                           records_.get(kind_.record_kind, account_id, found.id));
  std::int64_t expected_version = current.version;
  if (if_match.has_value()) {
    FLOECAT_ASSIGN_OR_RETURN(expected_version, records::version_from_etag(*if_match));
    if (expected_version != current.version) {
      return failed_precondition(
          fmt::format("{} {} has changed: If-Match {} does not match the current etag {}; "
                      "read it again and retry",
                      kind_.noun, current.id, records::etag_for(expected_version),
                      records::etag_for(current.version)));
    }
  }

  FLOECAT_ASSIGN_OR_RETURN(json patch, parse_body_object(body));
  FLOECAT_ASSIGN_OR_RETURN(ExtractedCredentials extracted, extract_credentials(patch, kind_));
  json current_body = json::parse(current.body, nullptr, false);
  if (current_body.is_discarded() || !current_body.is_object()) {
    return internal_error(
        fmt::format("{} {} has a stored body that is not a JSON object", kind_.noun, current.id));
  }
  json document = public_document(current_body);
  document.merge_patch(patch);
  FLOECAT_ASSIGN_OR_RETURN(json stored, kind_.validate(document));
  std::unique_lock<std::mutex> conflict_guard;
  if (kind_.check_conflicts) {
    conflict_guard = std::unique_lock(conflict_mutex(kind_.record_kind, account_id));
    FLOECAT_RETURN_IF_ERROR(kind_.check_conflicts(account_id, current.id, stored));
  }

  bool had_secret = current_body.contains(kSecretMember);
  if (extracted.change == CredentialChange::kNone && had_secret) {
    for (std::string_view member :
         {kSecretMember, kCredentialTypeMember, kMaskedCredentialsMember}) {
      if (current_body.contains(member)) {
        stored[member] = current_body[member];
      }
    }
  }

  records::Record next = current;
  next.display_name = stored.at("display_name").get<std::string>();
  FLOECAT_ASSIGN_OR_RETURN(secrets::SecretKey key,
                           secrets::SecretKey::make(account_id, kind_.secret_type, current.id));

  if (extracted.change == CredentialChange::kReplace) {
    SecretBytes payload = extracted.credentials->to_payload();
    FLOECAT_RETURN_IF_ERROR(secrets::check_payload_size(key, payload));
    std::optional<SecretBytes> previous;
    if (had_secret) {
      FLOECAT_ASSIGN_OR_RETURN(previous, secrets_.get(key));
    }
    FLOECAT_ASSIGN_OR_RETURN(std::string version, secrets_.update(key, payload));
    fault_point(fmt::format("{}.update.after_secret", kind_.fault_prefix));
    attach_secret(stored, key, version, *extracted.credentials);
    next.body = stored.dump();

    Result<records::Record> updated = records_.update(next, expected_version);
    if (!updated.ok()) {
      Status undo =
          previous.has_value() ? secrets_.update(key, *previous).status() : secrets_.remove(key);
      if (!undo.ok()) {
        logger().error("could not restore secret {} after a failed {} update: {}", key.name(),
                       kind_.noun, undo);
      }
      return updated.status();
    }
    logger().info("updated {} {} in account {} with new credentials", kind_.noun, current.id,
                  account_id);
    return to_response(*updated);
  }

  next.body = stored.dump();
  FLOECAT_ASSIGN_OR_RETURN(records::Record updated, records_.update(next, expected_version));
  if (extracted.change == CredentialChange::kRemove) {
    Status removed = secrets_.remove(key);
    if (!removed.ok()) {
      logger().warn(
          "could not delete secret {} after removing the credentials of {} {}; the "
          "orphan sweep will remove it: {}",
          key.name(), kind_.noun, current.id, removed);
    }
  }
  logger().info("updated {} {} in account {}", kind_.noun, current.id, account_id);
  return to_response(updated);
}

Status SecretBackedResources::remove(std::string_view account_id,
                                     std::string_view id_or_name,
                                     std::optional<std::string_view> if_match) {
  std::shared_lock account_guard(account_lock(account_id));
  FLOECAT_RETURN_IF_ERROR(check_account_exists(records_, account_id));
  FLOECAT_ASSIGN_OR_RETURN(records::Record record, find_record(account_id, id_or_name));
  std::lock_guard lock(resource_mutex(kind_.record_kind, account_id, record.id));
  std::optional<std::int64_t> expected_version;
  if (if_match.has_value()) {
    FLOECAT_ASSIGN_OR_RETURN(expected_version, records::version_from_etag(*if_match));
  }
  FLOECAT_ASSIGN_OR_RETURN(secrets::SecretKey key,
                           secrets::SecretKey::make(account_id, kind_.secret_type, record.id));

  FLOECAT_RETURN_IF_ERROR(
      records_.remove(kind_.record_kind, account_id, record.id, expected_version));
  fault_point(fmt::format("{}.delete.after_record", kind_.fault_prefix));

  Status removed = secrets_.remove(key);
  if (!removed.ok()) {
    logger().warn("deleted {} {} but not its secret {}; the orphan sweep will remove it: {}",
                  kind_.noun, record.id, key.name(), removed);
  }
  logger().info("deleted {} {} in account {}", kind_.noun, record.id, account_id);
  return Status::ok_status();
}

Result<std::optional<AuthCredentials>> SecretBackedResources::load_credentials(
    std::string_view account_id, std::string_view id_or_name) {
  FLOECAT_ASSIGN_OR_RETURN(records::Record record, find_record(account_id, id_or_name));
  json stored = json::parse(record.body, nullptr, false);
  if (stored.is_discarded() || !stored.is_object() || !stored.contains(kSecretMember)) {
    return std::optional<AuthCredentials>();
  }
  FLOECAT_ASSIGN_OR_RETURN(secrets::SecretKey key,
                           secrets::SecretKey::make(account_id, kind_.secret_type, record.id));
  FLOECAT_ASSIGN_OR_RETURN(std::optional<SecretBytes> payload, secrets_.get(key));
  if (!payload.has_value()) {
    return failed_precondition(
        fmt::format("{} {} refers to secret {}, which is missing; set its credentials again",
                    kind_.noun, record.id, key.name()));
  }
  FLOECAT_ASSIGN_OR_RETURN(AuthCredentials credentials, AuthCredentials::from_payload(*payload));
  return std::optional<AuthCredentials>(std::move(credentials));
}

}  // namespace floecat::catalog::internal
