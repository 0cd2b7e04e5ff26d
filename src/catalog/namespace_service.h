#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/result.h"
#include "records/record_store.h"

namespace floecat::catalog {

// A multi-level namespace name, e.g. {"sales", "emea"}.
using NamespaceName = std::vector<std::string>;

// Maximum levels in a namespace name.
inline constexpr std::size_t kMaxNamespaceLevels = 16;
// Maximum length of one namespace level or table name, in bytes.
inline constexpr std::size_t kMaxNameBytes = 255;

// Splits a namespace as it appears in Iceberg REST paths: levels joined by
// the unit separator 0x1F (sent as %1F). Errors: kInvalidArgument naming
// `field` for an empty level, a level with a control character or over
// kMaxNameBytes, or more than kMaxNamespaceLevels levels.
Result<NamespaceName> parse_namespace_path(std::string_view field, std::string_view text);
// Joins levels with 0x1F; the inverse of parse_namespace_path.
std::string join_namespace(const NamespaceName& name);
// Checks one namespace level or table name; `field` names it in errors.
Status check_name(std::string_view field, std::string_view name);

// Iceberg namespaces of an account, stored as records of kind "namespace"
// whose id is the 0x1F-joined name and whose body is
// {"namespace": [...], "properties": {...}}. A namespace can only be
// created under an existing parent and dropped when it contains no namespace
// or table. Thread-safe when the record store is.
class NamespaceService {
 public:
  NamespaceService(records::RecordStore& records, const Clock& clock);

  // Creates from {"namespace": [...], "properties": {string: string}}.
  // Errors: kInvalidArgument (bad body), kNotFound (account or parent),
  // kAlreadyExists.
  Result<nlohmann::json> create(std::string_view account_id, std::string_view body);
  // Returns {"namespace": [...], "properties": {...}} or kNotFound.
  Result<nlohmann::json> get(std::string_view account_id, const NamespaceName& name);
  // Returns {"namespaces": [[...], ...]}: the direct children of `parent`,
  // or the top-level namespaces without one. Errors: kNotFound for a
  // missing parent.
  Result<nlohmann::json> list(std::string_view account_id,
                              const std::optional<NamespaceName>& parent);
  // Errors: kNotFound, kFailedPrecondition when it still contains a namespace
  // or a table.
  Status remove(std::string_view account_id, const NamespaceName& name);
  // Returns ok when the namespace exists, kNotFound naming it otherwise.
  Status check_exists(std::string_view account_id, const NamespaceName& name);

 private:
  records::RecordStore& records_;
  const Clock& clock_;
};

}  // namespace floecat::catalog
