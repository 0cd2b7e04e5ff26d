#include "catalog/account_service.h"

#include <chrono>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "catalog/json_fields.h"
#include "catalog/secret_backed.h"
#include "core/fault.h"
#include "core/ids.h"
#include "core/logging.h"

namespace floecat::catalog {

namespace {

using nlohmann::json;

// Record kinds an account owns, all removed with it.
constexpr std::string_view kOwnedKinds[] = {records::kConnectorKind, records::kStorageAuthorityKind,
                                            records::kNamespaceKind, records::kTableKind};

json account_response(const records::Record& record) {
  auto format_ms = [](std::int64_t ms) {
    return format_rfc3339(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
  };
  return json{{"id", record.id},
              {"display_name", record.display_name},
              {"etag", records::etag_for(record.version)},
              {"created_at", format_ms(record.created_at_ms)},
              {"updated_at", format_ms(record.updated_at_ms)}};
}

}  // namespace

AccountService::AccountService(secrets::SecretsStore& secrets,
                               records::RecordStore& records,
                               const Clock& clock)
    : secrets_(secrets), records_(records), clock_(clock) {}

Result<json> AccountService::create(std::string_view body) {
  FLOECAT_ASSIGN_OR_RETURN(json request, internal::parse_body_object(body));
  FLOECAT_RETURN_IF_ERROR(internal::check_known_fields(request, "", {"id", "display_name"}));
  FLOECAT_ASSIGN_OR_RETURN(std::optional<std::string> id,
                           internal::optional_string(request, "", "id"));
  FLOECAT_RETURN_IF_ERROR(validate_id("id", id.value_or("")));
  FLOECAT_ASSIGN_OR_RETURN(std::string display_name,
                           internal::required_string(request, "", "display_name"));
  FLOECAT_RETURN_IF_ERROR(internal::check_display_name("display_name", display_name));

  records::Record record;
  record.kind = std::string(records::kAccountKind);
  record.account_id = "";
  record.id = *id;
  record.display_name = display_name;
  record.body = json{{"id", *id}, {"display_name", display_name}}.dump();
  FLOECAT_ASSIGN_OR_RETURN(records::Record created, records_.create(std::move(record)));
  logger().info("created account {}", created.id);
  return account_response(created);
}

Result<json> AccountService::get(std::string_view account_id) {
  FLOECAT_RETURN_IF_ERROR(internal::check_account_exists(records_, account_id));
  FLOECAT_ASSIGN_OR_RETURN(records::Record record,
                           records_.get(records::kAccountKind, "", account_id));
  return account_response(record);
}

Result<json> AccountService::list() {
  FLOECAT_ASSIGN_OR_RETURN(std::vector<records::Record> accounts,
                           records_.list(records::kAccountKind, ""));
  json items = json::array();
  for (const records::Record& record : accounts) {
    items.push_back(account_response(record));
  }
  return json{{"accounts", std::move(items)}};
}

Status AccountService::check_exists(std::string_view account_id) {
  return internal::check_account_exists(records_, account_id);
}

Status AccountService::remove(std::string_view account_id) {
  // Writers to the account's resources hold this lock shared, so none of them
  // can add a record or a secret behind the listings below.
  std::unique_lock account_guard(internal::account_lock(account_id));
  FLOECAT_RETURN_IF_ERROR(internal::check_account_exists(records_, account_id));

  std::size_t removed_records = 0;
  for (std::string_view kind : kOwnedKinds) {
    FLOECAT_ASSIGN_OR_RETURN(std::vector<records::Record> owned, records_.list(kind, account_id));
    for (const records::Record& record : owned) {
      Status removed = records_.remove(kind, account_id, record.id, std::nullopt);
      if (!removed.ok() && removed.code() != StatusCode::kNotFound) {
        return removed;
      }
      ++removed_records;
    }
  }
  fault_point("account.delete.after_records");

  // Every secret of the account goes, whatever its type: the account's
  // records are gone, so none of them can be referenced any more.
  FLOECAT_ASSIGN_OR_RETURN(std::vector<secrets::SecretKey> keys,
                           secrets_.list_for_account(account_id));
  for (const secrets::SecretKey& key : keys) {
    FLOECAT_RETURN_IF_ERROR(secrets_.remove(key));
  }

  FLOECAT_RETURN_IF_ERROR(records_.remove(records::kAccountKind, "", account_id, std::nullopt));
  logger().info("deleted account {} with {} records and {} secrets", account_id, removed_records,
                keys.size());
  return Status::ok_status();
}

}  // namespace floecat::catalog
