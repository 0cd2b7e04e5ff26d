#pragma once

#include <cstdint>

#include "catalog/account_service.h"
#include "catalog/connector_service.h"
#include "catalog/namespace_service.h"
#include "catalog/storage_authority_service.h"
#include "catalog/table_service.h"
#include "core/clock.h"
#include "core/result.h"
#include "records/record_store.h"
#include "secrets/secrets_store.h"

namespace floecat::catalog {

// Counts returned by sweep_orphan_secrets.
struct SweepReport {
  // Secrets removed because no record refers to them.
  std::int64_t secrets_removed = 0;
  // Records whose referenced secret is missing (logged, not changed).
  std::int64_t records_missing_secret = 0;
};

// Removes connector and storage-authority secrets that no record refers to,
// in every account found through RecordStore::list_accounts and the account
// records, and logs records whose secret is missing. Secrets of other types
// are left alone.
// NOTE: a create running at the same time has written its secret but not
// yet its record, so the sweep may remove that secret. Run it at start-up
// or from `floecat gc`, not next to live writes.
Result<SweepReport> sweep_orphan_secrets(secrets::SecretsStore& secrets,
                                         records::RecordStore& records);

// The catalog services over one pair of stores. The stores and the clock
// must outlive this object.
class Catalog {
 public:
  Catalog(secrets::SecretsStore& secrets, records::RecordStore& records, const Clock& clock)
      : secrets_(secrets),
        records_(records),
        accounts_(secrets, records, clock),
        connectors_(secrets, records, clock),
        storage_authorities_(secrets, records, clock),
        namespaces_(records, clock),
        tables_(records, namespaces_) {}

  AccountService& accounts() { return accounts_; }

  ConnectorService& connectors() { return connectors_; }

  StorageAuthorityService& storage_authorities() { return storage_authorities_; }

  NamespaceService& namespaces() { return namespaces_; }

  TableService& tables() { return tables_; }

  Result<SweepReport> sweep_orphan_secrets() {
    return catalog::sweep_orphan_secrets(secrets_, records_);
  }

 private:
  secrets::SecretsStore& secrets_;
  records::RecordStore& records_;
  AccountService accounts_;
  ConnectorService connectors_;
  StorageAuthorityService storage_authorities_;
  NamespaceService namespaces_;
  TableService tables_;
};

}  // namespace floecat::catalog
