#include "catalog/namespace_service.h"

#include <fmt/format.h>

#include "catalog/json_fields.h"
#include "catalog/secret_backed.h"

namespace floecat::catalog {
namespace {

using nlohmann::json;

constexpr char kSeparator = '\x1f';

// Shows a namespace in messages the way Iceberg tools print it.
std::string display(const NamespaceName& name) {
  std::string text;
  for (const std::string& level : name) {
    if (!text.empty()) {
      text.push_back('.');
    }
    text += level;
  }
  return text;
}

Result<NamespaceName> namespace_from_json(const json& value, std::string_view field) {
  if (!value.is_array() || value.empty()) {
    return invalid_argument(fmt::format("{} must be a non-empty array of strings", field));
  }
  if (value.size() > kMaxNamespaceLevels) {
    return invalid_argument(fmt::format("{} has {} levels; the maximum is {}", field, value.size(),
                                        kMaxNamespaceLevels));
  }
  NamespaceName name;
  for (const json& level : value) {
    if (!level.is_string()) {
      return invalid_argument(fmt::format("{} must be a non-empty array of strings", field));
    }
    FLOECAT_RETURN_IF_ERROR(check_name(field, level.get<std::string>()));
    name.push_back(level.get<std::string>());
  }
  return name;
}

}  // namespace

Status check_name(std::string_view field, std::string_view name) {
  if (name.empty()) {
    return invalid_argument(fmt::format("{} must not contain an empty name", field));
  }
  if (name.size() > kMaxNameBytes) {
    return invalid_argument(fmt::format("{} has a name of {} bytes; the maximum is {}", field,
                                        name.size(), kMaxNameBytes));
  }
  for (char c : name) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return invalid_argument(fmt::format("{} must not contain control characters", field));
    }
  }
  return Status();
}

Result<NamespaceName> parse_namespace_path(std::string_view field, std::string_view text) {
  NamespaceName name;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find(kSeparator, start);
    std::string_view level = text.substr(start, end == std::string_view::npos ? end : end - start);
    FLOECAT_RETURN_IF_ERROR(check_name(field, level));
    name.emplace_back(level);
    if (name.size() > kMaxNamespaceLevels) {
      return invalid_argument(
          fmt::format("{} has more than {} levels", field, kMaxNamespaceLevels));
    }
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
  }
  return name;
}

std::string join_namespace(const NamespaceName& name) {
  std::string text;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (i > 0) {
      text.push_back(kSeparator);
    }
    text += name[i];
  }
  return text;
}

NamespaceService::NamespaceService(records::RecordStore& records, const Clock& clock)
    : records_(records), clock_(clock) {}

Status NamespaceService::check_exists(std::string_view account_id, const NamespaceName& name) {
  Result<records::Record> record =
      records_.get(records::kNamespaceKind, account_id, join_namespace(name));
  if (!record.ok() && record.status().code() == StatusCode::kNotFound) {
    return not_found(fmt::format("namespace {} does not exist", display(name)));
  }
  return record.status();
}

Result<json> NamespaceService::create(std::string_view account_id, std::string_view body) {
  FLOECAT_ASSIGN_OR_RETURN(json request, internal::parse_body_object(body));
  FLOECAT_RETURN_IF_ERROR(internal::check_known_fields(request, "", {"namespace", "properties"}));
  if (!request.contains("namespace")) {
    return invalid_argument("namespace is required");
  }
  FLOECAT_ASSIGN_OR_RETURN(NamespaceName name,
                           namespace_from_json(request["namespace"], "namespace"));
  json properties = json::object();
  if (request.contains("properties") && !request["properties"].is_null()) {
    if (!request["properties"].is_object()) {
      return invalid_argument("properties must be an object of strings");
    }
    for (const auto& [key, value] : request["properties"].items()) {
      if (!value.is_string()) {
        return invalid_argument(fmt::format("properties.{} must be a string", key));
      }
    }
    properties = request["properties"];
  }
  FLOECAT_RETURN_IF_ERROR(internal::check_account_exists(records_, account_id));
  if (name.size() > 1) {
    NamespaceName parent(name.begin(), name.end() - 1);
    Status parent_exists = check_exists(account_id, parent);
    if (!parent_exists.ok()) {
      return parent_exists.with_context(fmt::format("cannot create namespace {}", display(name)));
    }
  }
  json stored = {{"namespace", name}, {"properties", properties}};
  records::Record record;
  record.kind = std::string(records::kNamespaceKind);
  record.account_id = std::string(account_id);
  record.id = join_namespace(name);
  record.body = stored.dump();
  Result<records::Record> created = records_.create(std::move(record));
  if (!created.ok() && created.status().code() == StatusCode::kAlreadyExists) {
    return already_exists(fmt::format("namespace {} already exists", display(name)));
  }
  if (!created.ok()) {
    return created.status();
  }
  return stored;
}

Result<json> NamespaceService::get(std::string_view account_id, const NamespaceName& name) {
  FLOECAT_RETURN_IF_ERROR(internal::check_account_exists(records_, account_id));
  Result<records::Record> record =
      records_.get(records::kNamespaceKind, account_id, join_namespace(name));
  if (!record.ok()) {
    if (record.status().code() == StatusCode::kNotFound) {
      return not_found(fmt::format("namespace {} does not exist", display(name)));
    }
    return record.status();
  }
  json stored = json::parse(record->body, nullptr, false);
  if (stored.is_discarded()) {
    return internal_error(
        fmt::format("namespace {} has a stored body that is not JSON", display(name)));
  }
  return stored;
}

Result<json> NamespaceService::list(std::string_view account_id,
                                    const std::optional<NamespaceName>& parent) {
  FLOECAT_RETURN_IF_ERROR(internal::check_account_exists(records_, account_id));
  if (parent.has_value()) {
    FLOECAT_RETURN_IF_ERROR(check_exists(account_id, *parent));
  }
  std::size_t depth = parent.has_value() ? parent->size() + 1 : 1;
  // NOTE: lists every namespace of the account and filters here, so a call
  // costs O(namespaces in the account).
  FLOECAT_ASSIGN_OR_RETURN(std::vector<records::Record> records,
                           records_.list(records::kNamespaceKind, account_id));
  json namespaces = json::array();
  for (const records::Record& record : records) {
    Result<NamespaceName> name = parse_namespace_path("namespace", record.id);
    if (!name.ok() || name->size() != depth) {
      continue;
    }
    if (parent.has_value() && !std::equal(parent->begin(), parent->end(), name->begin())) {
      continue;
    }
    namespaces.push_back(*name);
  }
  return json{{"namespaces", std::move(namespaces)}};
}

Status NamespaceService::remove(std::string_view account_id, const NamespaceName& name) {
  FLOECAT_RETURN_IF_ERROR(internal::check_account_exists(records_, account_id));
  FLOECAT_RETURN_IF_ERROR(check_exists(account_id, name));
  std::string id = join_namespace(name);
  FLOECAT_ASSIGN_OR_RETURN(std::vector<records::Record> namespaces,
                           records_.list(records::kNamespaceKind, account_id));
  for (const records::Record& record : namespaces) {
    if (record.id.size() > id.size() && record.id.starts_with(id) &&
        record.id[id.size()] == kSeparator) {
      return failed_precondition(
          fmt::format("namespace {} is not empty: it contains other namespaces", display(name)));
    }
  }
  FLOECAT_ASSIGN_OR_RETURN(std::vector<records::Record> tables,
                           records_.list(records::kTableKind, account_id));
  for (const records::Record& record : tables) {
    std::size_t last = record.id.rfind(kSeparator);
    if (last != std::string::npos && std::string_view(record.id).substr(0, last) == id) {
      return failed_precondition(
          fmt::format("namespace {} is not empty: it contains tables", display(name)));
    }
  }
  Status removed = records_.remove(records::kNamespaceKind, account_id, id, std::nullopt);
  if (removed.code() == StatusCode::kNotFound) {
    return not_found(fmt::format("namespace {} does not exist", display(name)));
  }
  return removed;
}

}  // namespace floecat::catalog
