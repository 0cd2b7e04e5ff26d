#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace floecat::records {

// Kinds of record. Each kind has its own id and display-name space per
// account. An account is itself a record of kind kAccountKind, stored under
// account id "" with the account id as its record id.
inline constexpr std::string_view kAccountKind = "account";
inline constexpr std::string_view kConnectorKind = "connector";
inline constexpr std::string_view kStorageAuthorityKind = "storage-authority";
inline constexpr std::string_view kNamespaceKind = "namespace";
inline constexpr std::string_view kTableKind = "table";

// One persisted resource. `body` is the resource as JSON text and never
// contains secret material; records refer to secrets by key name and version.
struct Record {
  std::string kind;
  std::string account_id;
  std::string id;
  // Unique per (kind, account) when not empty.
  std::string display_name;
  // Starts at 1 and grows by one on each update; the etag is derived from it.
  std::int64_t version = 0;
  std::string body;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
};

// Returns the HTTP etag of a record version, e.g. "\"3\"".
std::string etag_for(std::int64_t version);

// Parses an If-Match value produced by etag_for; "*" or a malformed value
// is an error naming the header.
Result<std::int64_t> version_from_etag(std::string_view etag);

// Persistent records with optimistic concurrency. Thread-safe.
//
// Errors: kAlreadyExists for a taken id or display name (the message names
// which), kNotFound, kFailedPrecondition when the expected version does not
// match, kUnavailable when the database cannot be reached or is busy.
class RecordStore {
 public:
  virtual ~RecordStore() = default;

  // Inserts a record with version 1; returns it as stored (with times set).
  virtual Result<Record> create(Record record) = 0;

  virtual Result<Record> get(std::string_view kind,
                             std::string_view account_id,
                             std::string_view id) = 0;

  virtual Result<Record> get_by_name(std::string_view kind,
                                     std::string_view account_id,
                                     std::string_view display_name) = 0;

  // Lists records of one kind in one account, ordered by display name then id.
  virtual Result<std::vector<Record>> list(std::string_view kind, std::string_view account_id) = 0;

  // Replaces display_name and body when the stored version equals
  // `expected_version`; returns the record with its new version.
  virtual Result<Record> update(const Record& record, std::int64_t expected_version) = 0;

  // Deletes one record; with `expected_version` only when it matches.
  virtual Status remove(std::string_view kind,
                        std::string_view account_id,
                        std::string_view id,
                        std::optional<std::int64_t> expected_version) = 0;

  // Lists the ids of all account records and every other account id that
  // owns at least one record, for start-up sweeps.
  virtual Result<std::vector<std::string>> list_accounts() = 0;

  // Checks that the database responds (for /readyz).
  virtual Status check_ready() = 0;
};

}  // namespace floecat::records
