#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "catalog/namespace_service.h"
#include "core/clock.h"
#include "core/result.h"
#include "records/record_store.h"

namespace floecat::catalog {

// The fields stored when a table is registered.
struct TableRegistration {
  NamespaceName namespace_name;
  std::string name;
  std::string metadata_location;
  // The table metadata as read from metadata_location; its "location"
  // member is the table location.
  nlohmann::json metadata;
};

// Reads the table location from table metadata: the "location" member,
// which must be an s3, s3a or s3n URI. Errors: kInvalidArgument naming
// `metadata_location` and the problem.
Result<std::string> table_location_of(const nlohmann::json& metadata,
                                      std::string_view metadata_location);

// Iceberg tables registered from an existing metadata file, stored as
// records of kind "table" whose id is the namespace and the name joined by
// 0x1F, with body {"namespace", "name", "metadata_location", "location",
// "metadata"}. Dropping a table removes the record only; data files stay.
// Thread-safe when the record store is.
class TableService {
 public:
  TableService(records::RecordStore& records, NamespaceService& namespaces);

  // Stores the table and returns the stored body. Errors: kNotFound
  // (account or namespace), kAlreadyExists, kInvalidArgument (names,
  // metadata without a location).
  Result<nlohmann::json> register_table(std::string_view account_id,
                                        const TableRegistration& registration);
  // Returns the stored body or kNotFound naming the table.
  Result<nlohmann::json> get(std::string_view account_id,
                             const NamespaceName& namespace_name,
                             std::string_view name);
  // Returns {"identifiers": [{"namespace": [...], "name": "..."}]}.
  Result<nlohmann::json> list(std::string_view account_id, const NamespaceName& namespace_name);
  Status remove(std::string_view account_id,
                const NamespaceName& namespace_name,
                std::string_view name);

 private:
  records::RecordStore& records_;
  NamespaceService& namespaces_;
};

}  // namespace floecat::catalog
