#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "catalog/secret_backed.h"
#include "core/logging.h"

namespace floecat::catalog {

namespace {

using nlohmann::json;

// Secret types the catalog writes, with the record kind that refers to them.
struct SecretOwner {
  std::string_view secret_type;
  std::string_view record_kind;
};

constexpr SecretOwner kSecretOwners[] = {
    {secrets::kConnectorsType, records::kConnectorKind},
    {secrets::kStorageAuthoritiesType, records::kStorageAuthorityKind},
};

// Collects the secret names the account's records refer to.
Result<std::set<std::string>> referenced_secrets(records::RecordStore& records,
                                                 std::string_view account_id) {
  std::set<std::string> names;
  for (const SecretOwner& owner : kSecretOwners) {
    FLOECAT_ASSIGN_OR_RETURN(std::vector<records::Record> owned,
                             records.list(owner.record_kind, account_id));
    for (const records::Record& record : owned) {
      json stored = json::parse(record.body, nullptr, false);
      if (stored.is_discarded() || !stored.is_object()) {
        continue;
      }
      auto secret = stored.find(internal::kSecretMember);
      if (secret != stored.end() && secret->is_object() && secret->contains("name") &&
          (*secret)["name"].is_string()) {
        names.insert((*secret)["name"].get<std::string>());
      }
    }
  }
  return names;
}

bool is_catalog_secret_type(std::string_view type) {
  for (const SecretOwner& owner : kSecretOwners) {
    if (owner.secret_type == type) {
      return true;
    }
  }
  return false;
}

}  // namespace

Result<SweepReport> sweep_orphan_secrets(secrets::SecretsStore& secrets,
                                         records::RecordStore& records) {
  std::set<std::string> accounts;
  FLOECAT_ASSIGN_OR_RETURN(std::vector<std::string> owners, records.list_accounts());
  accounts.insert(owners.begin(), owners.end());
  FLOECAT_ASSIGN_OR_RETURN(std::vector<records::Record> account_records,
                           records.list(records::kAccountKind, ""));
  for (const records::Record& record : account_records) {
    accounts.insert(record.id);
  }
  accounts.erase("");

  SweepReport report;
  for (const std::string& account_id : accounts) {
    FLOECAT_ASSIGN_OR_RETURN(std::set<std::string> referenced,
                             referenced_secrets(records, account_id));
    FLOECAT_ASSIGN_OR_RETURN(std::vector<secrets::SecretKey> keys,
                             secrets.list_for_account(account_id));

    std::set<std::string> present;
    for (const secrets::SecretKey& key : keys) {
      present.insert(key.name());
      if (!is_catalog_secret_type(key.secret_type()) || referenced.contains(key.name())) {
        continue;
      }
      FLOECAT_RETURN_IF_ERROR(secrets.remove(key));
      ++report.secrets_removed;
      logger().info("removed orphan secret {} of account {}", key.name(), account_id);
    }

    for (const std::string& name : referenced) {
      if (!present.contains(name)) {
        ++report.records_missing_secret;
        logger().warn(
            "a record of account {} refers to secret {}, which is missing; set its "
            "credentials again",
            account_id, name);
      }
    }
  }
  logger().info("orphan sweep removed {} secrets; {} records refer to missing secrets",
                report.secrets_removed, report.records_missing_secret);
  return report;
}

}  // namespace floecat::catalog
