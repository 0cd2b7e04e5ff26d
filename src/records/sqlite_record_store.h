#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "records/record_store.h"

namespace SQLite {
class Database;
}  // namespace SQLite

namespace floecat::records {

// RecordStore over one SQLite file (WAL mode, foreign keys on, busy timeout).
//
// One connection is shared by every caller behind a mutex. Several stores,
// or several processes, may open the same file: every write is a single
// statement or an immediate transaction, and a busy database is waited on
// for kBusyTimeoutMs before the call fails with kUnavailable.
//
// Validation: kind and id must not be blank. Records of kind "account" are
// stored under account id "" with the account id as their id; every other
// kind needs a non-blank account id.
class SqliteRecordStore final : public RecordStore {
 public:
  // How long a statement waits for another writer before failing.
  static constexpr int kBusyTimeoutMs = 5000;

  // Opens or creates the database at `path` and its schema. `clock` sets the
  // record timestamps and must outlive the store. Errors: kUnavailable when
  // the file cannot be opened or written, kFailedPrecondition when the file
  // holds a newer schema than this build understands.
  static Result<std::unique_ptr<SqliteRecordStore>> open(
      const std::string& path, const Clock& clock = SystemClock::instance());

  ~SqliteRecordStore() override;

  Result<Record> create(Record record) override;
  Result<Record> get(std::string_view kind,
                     std::string_view account_id,
                     std::string_view id) override;
  Result<Record> get_by_name(std::string_view kind,
                             std::string_view account_id,
                             std::string_view display_name) override;
  Result<std::vector<Record>> list(std::string_view kind, std::string_view account_id) override;
  Result<Record> update(const Record& record, std::int64_t expected_version) override;
  Status remove(std::string_view kind,
                std::string_view account_id,
                std::string_view id,
                std::optional<std::int64_t> expected_version) override;

  // Returns the ids of every account record plus every other account id that
  // owns a record, sorted, so that a sweep also finds an account whose
  // account record is already gone.
  Result<std::vector<std::string>> list_accounts() override;

  Status check_ready() override;

  // Deletes every record owned by `account_id` (all kinds) in one
  // transaction and returns how many were deleted. The account record itself
  // (kind "account" under account id "") is kept, so that a deletion that
  // stops half-way can be found and finished.
  Result<std::int64_t> remove_all(std::string_view account_id);

  const std::string& path() const { return path_; }

 private:
  SqliteRecordStore(std::string path, std::unique_ptr<SQLite::Database> db, const Clock& clock);

  Result<std::optional<Record>> find_locked(std::string_view kind,
                                            std::string_view account_id,
                                            std::string_view id);
  Status describe_display_name_clash(const Record& record, std::string_view operation);

  std::string path_;
  const Clock& clock_;
  std::mutex mutex_;
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace floecat::records
