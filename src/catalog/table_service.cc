#include "catalog/table_service.h"

#include <fmt/format.h>

#include "catalog/location.h"
#include "catalog/secret_backed.h"

namespace floecat::catalog {
namespace {

using nlohmann::json;

std::string table_id(const NamespaceName& namespace_name, std::string_view name) {
  return join_namespace(namespace_name) + '\x1f' + std::string(name);
}

std::string display(const NamespaceName& namespace_name, std::string_view name) {
  std::string text;
  for (const std::string& level : namespace_name) {
    text += level + ".";
  }
  return text + std::string(name);
}

}  // namespace

Result<std::string> table_location_of(const json& metadata, std::string_view metadata_location) {
  if (!metadata.is_object()) {
    return invalid_argument(
        fmt::format("table metadata at {} is not a JSON object", metadata_location));
  }
  auto it = metadata.find("location");
  if (it == metadata.end() || !it->is_string() || it->get<std::string>().empty()) {
    return invalid_argument(
        fmt::format("table metadata at {} has no \"location\" string", metadata_location));
  }
  std::string location = it->get<std::string>();
  Result<Location> parsed = parse_location("location", location);
  if (!parsed.ok()) {
    return parsed.status().with_context(fmt::format("table metadata at {}", metadata_location));
  }
  return location;
}

TableService::TableService(records::RecordStore& records, NamespaceService& namespaces)
    : records_(records), namespaces_(namespaces) {}

Result<json> TableService::register_table(std::string_view account_id,
                                          const TableRegistration& registration) {
  FLOECAT_RETURN_IF_ERROR(check_name("name", registration.name));
  FLOECAT_RETURN_IF_ERROR(internal::check_account_exists(records_, account_id));
  FLOECAT_RETURN_IF_ERROR(namespaces_.check_exists(account_id, registration.namespace_name));
  FLOECAT_ASSIGN_OR_RETURN(std::string location, table_location_of(registration.metadata,
                                                                   registration.metadata_location));
  json stored = {{"namespace", registration.namespace_name},
                 {"name", registration.name},
                 {"metadata_location", registration.metadata_location},
                 {"location", location},
                 {"metadata", registration.metadata}};
  records::Record record;
  record.kind = std::string(records::kTableKind);
  record.account_id = std::string(account_id);
  record.id = table_id(registration.namespace_name, registration.name);
  record.body = stored.dump();
  Result<records::Record> created = records_.create(std::move(record));
  if (!created.ok() && created.status().code() == StatusCode::kAlreadyExists) {
    return already_exists(fmt::format("table {} already exists",
                                      display(registration.namespace_name, registration.name)));
  }
  if (!created.ok()) {
    return created.status();
  }
  return stored;
}

Result<json> TableService::get(std::string_view account_id,
                               const NamespaceName& namespace_name,
                               std::string_view name) {
  FLOECAT_RETURN_IF_ERROR(internal::check_account_exists(records_, account_id));
  Result<records::Record> record =
      records_.get(records::kTableKind, account_id, table_id(namespace_name, name));
  if (!record.ok()) {
    if (record.status().code() == StatusCode::kNotFound) {
      return not_found(fmt::format("table {} does not exist", display(namespace_name, name)));
    }
    return record.status();
  }
  json stored = json::parse(record->body, nullptr, false);
  if (stored.is_discarded() || !stored.is_object()) {
    return internal_error(fmt::format("table {} has a stored body that is not a JSON object",
                                      display(namespace_name, name)));
  }
  return stored;
}

Result<json> TableService::list(std::string_view account_id, const NamespaceName& namespace_name) {
  FLOECAT_RETURN_IF_ERROR(internal::check_account_exists(records_, account_id));
  FLOECAT_RETURN_IF_ERROR(namespaces_.check_exists(account_id, namespace_name));
  std::string prefix = join_namespace(namespace_name) + '\x1f';
  // NOTE: lists every table of the account and filters here, so a call
  // costs O(tables in the account).
  FLOECAT_ASSIGN_OR_RETURN(std::vector<records::Record> records,
                           records_.list(records::kTableKind, account_id));
  json identifiers = json::array();
  for (const records::Record& record : records) {
    if (!record.id.starts_with(prefix)) {
      continue;
    }
    std::string_view name = std::string_view(record.id).substr(prefix.size());
    if (name.find('\x1f') != std::string_view::npos) {
      continue;  // a table of a child namespace
    }
    identifiers.push_back({{"namespace", namespace_name}, {"name", name}});
  }
  return json{{"identifiers", std::move(identifiers)}};
}

Status TableService::remove(std::string_view account_id,
                            const NamespaceName& namespace_name,
                            std::string_view name) {
  FLOECAT_RETURN_IF_ERROR(internal::check_account_exists(records_, account_id));
  Status removed = records_.remove(records::kTableKind, account_id, table_id(namespace_name, name),
                                   std::nullopt);
  if (removed.code() == StatusCode::kNotFound) {
    return not_found(fmt::format("table {} does not exist", display(namespace_name, name)));
  }
  return removed;
}

}  // namespace floecat::catalog
