#include "records/sqlite_record_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include "core/ids.h"
#include "core/logging.h"
#include "sqlite/database.h"

namespace floecat::records {
namespace {

// Schema version stored in PRAGMA user_version.
constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS records (
  kind TEXT NOT NULL,
  account_id TEXT NOT NULL,
  id TEXT NOT NULL,
  display_name TEXT NOT NULL DEFAULT '',
  version INTEGER NOT NULL CHECK (version >= 1),
  body TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (kind, account_id, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS records_display_name
  ON records (kind, account_id, display_name) WHERE display_name <> '';
CREATE INDEX IF NOT EXISTS records_account ON records (account_id);
)sql";

constexpr const char* kColumns =
    "kind, account_id, id, display_name, version, body, created_at_ms, updated_at_ms";

// Runs `body`, turning an SQLite exception into a Status.
template <typename Body>
auto guarded(std::string_view operation, Body&& body) -> decltype(body()) {
  return sqlite::guarded("records database", operation, std::forward<Body>(body));
}

std::string describe(std::string_view kind, std::string_view account_id, std::string_view id) {
  if (account_id.empty()) {
    return fmt::format("{} '{}'", kind, id);
  }
  return fmt::format("{} '{}' in account '{}'", kind, id, account_id);
}

Status validate_location(std::string_view kind, std::string_view account_id) {
  if (is_blank(kind)) {
    return invalid_argument("record kind is required");
  }
  if (kind == kAccountKind) {
    if (!account_id.empty()) {
      return invalid_argument(
          "account_id must be empty for records of kind account; the account id is the record id");
    }
    return Status();
  }
  if (is_blank(account_id)) {
    return invalid_argument(fmt::format("account_id is required for records of kind {}", kind));
  }
  return Status();
}

Status validate_key(std::string_view kind, std::string_view account_id, std::string_view id) {
  FLOECAT_RETURN_IF_ERROR(validate_location(kind, account_id));
  if (is_blank(id)) {
    return invalid_argument(fmt::format("{} id is required", kind));
  }
  return Status();
}

Record read_row(SQLite::Statement& query) {
  Record record;
  record.kind = query.getColumn(0).getString();
  record.account_id = query.getColumn(1).getString();
  record.id = query.getColumn(2).getString();
  record.display_name = query.getColumn(3).getString();
  record.version = query.getColumn(4).getInt64();
  record.body = query.getColumn(5).getString();
  record.created_at_ms = query.getColumn(6).getInt64();
  record.updated_at_ms = query.getColumn(7).getInt64();
  return record;
}

// Binds as TEXT. SQLiteCpp's (pointer, size) overloads bind a BLOB, which
// never compares equal to the TEXT values stored by other statements.
void bind_text(SQLite::Statement& query, int index, std::string_view value) {
  query.bind(index, std::string(value));
}

void bind_key(SQLite::Statement& query,
              std::string_view kind,
              std::string_view account_id,
              std::string_view id) {
  bind_text(query, 1, kind);
  bind_text(query, 2, account_id);
  bind_text(query, 3, id);
}

}  // namespace

SqliteRecordStore::SqliteRecordStore(std::string path,
                                     std::unique_ptr<SQLite::Database> db,
                                     const Clock& clock)
    : path_(std::move(path)), clock_(clock), db_(std::move(db)) {}

SqliteRecordStore::~SqliteRecordStore() = default;

Result<std::unique_ptr<SqliteRecordStore>> SqliteRecordStore::open(const std::string& path,
                                                                   const Clock& clock) {
  FLOECAT_ASSIGN_OR_RETURN(auto db, sqlite::open_database({.label = "records database",
                                                           .path = path,
                                                           .schema_version = kSchemaVersion,
                                                           .busy_timeout_ms = kBusyTimeoutMs}));
  return guarded(fmt::format("create the schema of {}", path),
                 [&]() -> Result<std::unique_ptr<SqliteRecordStore>> {
                   SQLite::Transaction transaction(*db, SQLite::TransactionBehavior::IMMEDIATE);
                   db->exec(kSchema);
                   db->exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion));
                   transaction.commit();

                   logger().info("records database opened: path={} schema_version={}", path,
                                 kSchemaVersion);
                   return std::unique_ptr<SqliteRecordStore>(
                       new SqliteRecordStore(path, std::move(db), clock));
                 });
}

Result<std::optional<Record>> SqliteRecordStore::find_locked(std::string_view kind,
                                                             std::string_view account_id,
                                                             std::string_view id) {
  SQLite::Statement query(
      *db_,
      fmt::format("SELECT {} FROM records WHERE kind = ? AND account_id = ? AND id = ?", kColumns));
  bind_key(query, kind, account_id, id);
  if (!query.executeStep()) {
    return std::optional<Record>();
  }
  return std::optional<Record>(read_row(query));
}

// Builds the kAlreadyExists status for a display name taken by another record.
Status SqliteRecordStore::describe_display_name_clash(const Record& record,
                                                      std::string_view operation) {
  SQLite::Statement query(
      *db_,
      "SELECT id FROM records WHERE kind = ? AND account_id = ? AND display_name = ? AND id <> ?");
  bind_key(query, record.kind, record.account_id, record.display_name);
  bind_text(query, 4, record.id);
  if (!query.executeStep()) {
    // The other record went away between the failed write and this read.
    return unavailable(
        fmt::format("{} {} failed on a display-name clash that has since cleared; retry", operation,
                    describe(record.kind, record.account_id, record.id)));
  }
  const std::string holder = query.getColumn(0).getString();
  if (record.account_id.empty()) {
    return already_exists(fmt::format("display name '{}' is already used by {} {}",
                                      record.display_name, record.kind, holder));
  }
  return already_exists(fmt::format("display name '{}' is already used by {} {} in account {}",
                                    record.display_name, record.kind, holder, record.account_id));
}

Result<Record> SqliteRecordStore::create(Record record) {
  FLOECAT_RETURN_IF_ERROR(validate_key(record.kind, record.account_id, record.id));
  const std::string operation = "create " + describe(record.kind, record.account_id, record.id);

  std::lock_guard lock(mutex_);
  return guarded(operation, [&]() -> Result<Record> {
    record.version = 1;
    record.created_at_ms = clock_.now_ms();
    record.updated_at_ms = record.created_at_ms;
    SQLite::Statement insert(
        *db_, fmt::format("INSERT INTO records ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", kColumns));
    bind_key(insert, record.kind, record.account_id, record.id);
    insert.bind(4, record.display_name);
    insert.bind(5, record.version);
    insert.bind(6, record.body);
    insert.bind(7, record.created_at_ms);
    insert.bind(8, record.updated_at_ms);
    try {
      insert.exec();
    } catch (const SQLite::Exception& error) {
      if (error.getExtendedErrorCode() == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return already_exists(
            fmt::format("{} already exists", describe(record.kind, record.account_id, record.id)));
      }
      if (error.getExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE) {
        return describe_display_name_clash(record, "create");
      }
      throw;
    }
    return record;
  });
}

Result<Record> SqliteRecordStore::get(std::string_view kind,
                                      std::string_view account_id,
                                      std::string_view id) {
  FLOECAT_RETURN_IF_ERROR(validate_key(kind, account_id, id));
  const std::string operation = "get " + describe(kind, account_id, id);

  std::lock_guard lock(mutex_);
  return guarded(operation, [&]() -> Result<Record> {
    FLOECAT_ASSIGN_OR_RETURN(std::optional<Record> found, find_locked(kind, account_id, id));
    if (!found) {
      return not_found(fmt::format("{} not found", describe(kind, account_id, id)));
    }
    return std::move(*found);
  });
}

Result<Record> SqliteRecordStore::get_by_name(std::string_view kind,
                                              std::string_view account_id,
                                              std::string_view display_name) {
  FLOECAT_RETURN_IF_ERROR(validate_location(kind, account_id));
  const auto describe_name = [&]() {
    return account_id.empty()
               ? fmt::format("{} named '{}'", kind, display_name)
               : fmt::format("{} named '{}' in account '{}'", kind, display_name, account_id);
  };
  if (display_name.empty()) {
    return not_found(fmt::format("{} not found: the display name is empty", kind));
  }

  std::lock_guard lock(mutex_);
  return guarded("get " + describe_name(), [&]() -> Result<Record> {
    SQLite::Statement query(
        *db_,
        fmt::format("SELECT {} FROM records WHERE kind = ? AND account_id = ? AND display_name = ?",
                    kColumns));
    bind_key(query, kind, account_id, display_name);
    if (!query.executeStep()) {
      return not_found(fmt::format("{} not found", describe_name()));
    }
    return read_row(query);
  });
}

Result<std::vector<Record>> SqliteRecordStore::list(std::string_view kind,
                                                    std::string_view account_id) {
  FLOECAT_RETURN_IF_ERROR(validate_location(kind, account_id));
  const std::string operation = fmt::format("list {} records of account '{}'", kind, account_id);

  std::lock_guard lock(mutex_);
  return guarded(operation, [&]() -> Result<std::vector<Record>> {
    SQLite::Statement query(*db_, fmt::format("SELECT {} FROM records WHERE kind = ? AND "
                                              "account_id = ? ORDER BY display_name, id",
                                              kColumns));
    bind_text(query, 1, kind);
    bind_text(query, 2, account_id);
    std::vector<Record> records;
    while (query.executeStep()) {
      records.push_back(read_row(query));
    }
    return records;
  });
}

Result<Record> SqliteRecordStore::update(const Record& record, std::int64_t expected_version) {
  FLOECAT_RETURN_IF_ERROR(validate_key(record.kind, record.account_id, record.id));
  if (expected_version < 1) {
    return invalid_argument(
        fmt::format("expected version must be at least 1, got {}", expected_version));
  }
  const std::string operation = "update " + describe(record.kind, record.account_id, record.id);

  std::lock_guard lock(mutex_);
  return guarded(operation, [&]() -> Result<Record> {
    // One statement, so the version check and the write cannot be split by
    // another writer, in this process or another.
    SQLite::Statement cas(
        *db_, fmt::format("UPDATE records SET display_name = ?4, body = ?5, version = version + 1, "
                          "updated_at_ms = max(?6, updated_at_ms) "
                          "WHERE kind = ?1 AND account_id = ?2 AND id = ?3 AND version = ?7 "
                          "RETURNING {}",
                          kColumns));
    bind_key(cas, record.kind, record.account_id, record.id);
    cas.bind(4, record.display_name);
    cas.bind(5, record.body);
    cas.bind(6, clock_.now_ms());
    cas.bind(7, expected_version);
    try {
      if (cas.executeStep()) {
        Record updated = read_row(cas);
        cas.reset();
        return updated;
      }
    } catch (const SQLite::Exception& error) {
      if (error.getExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE) {
        return describe_display_name_clash(record, "update");
      }
      throw;
    }

    FLOECAT_ASSIGN_OR_RETURN(std::optional<Record> current,
                             find_locked(record.kind, record.account_id, record.id));
    if (!current) {
      return not_found(
          fmt::format("{} not found", describe(record.kind, record.account_id, record.id)));
    }
    return failed_precondition(fmt::format(
        "etag mismatch: {} is at version {} (etag {}), the request expected version {} (etag {}); "
        "read it again and retry",
        describe(record.kind, record.account_id, record.id), current->version,
        etag_for(current->version), expected_version, etag_for(expected_version)));
  });
}

Status SqliteRecordStore::remove(std::string_view kind,
                                 std::string_view account_id,
                                 std::string_view id,
                                 std::optional<std::int64_t> expected_version) {
  FLOECAT_RETURN_IF_ERROR(validate_key(kind, account_id, id));
  const std::string operation = "delete " + describe(kind, account_id, id);

  std::lock_guard lock(mutex_);
  return guarded(operation, [&]() -> Status {
    std::string sql = "DELETE FROM records WHERE kind = ? AND account_id = ? AND id = ?";
    if (expected_version) {
      sql += " AND version = ?";
    }
    SQLite::Statement erase(*db_, sql);
    bind_key(erase, kind, account_id, id);
    if (expected_version) {
      erase.bind(4, *expected_version);
    }
    if (erase.exec() > 0) {
      return Status();
    }

    FLOECAT_ASSIGN_OR_RETURN(std::optional<Record> current, find_locked(kind, account_id, id));
    if (!current) {
      return not_found(fmt::format("{} not found", describe(kind, account_id, id)));
    }
    return failed_precondition(fmt::format(
        "etag mismatch: {} is at version {} (etag {}), the request expected version {} (etag {})",
        describe(kind, account_id, id), current->version, etag_for(current->version),
        *expected_version, etag_for(*expected_version)));
  });
}

Result<std::vector<std::string>> SqliteRecordStore::list_accounts() {
  std::lock_guard lock(mutex_);
  return guarded("list accounts", [&]() -> Result<std::vector<std::string>> {
    SQLite::Statement query(*db_,
                            "SELECT id FROM records WHERE kind = ?1 AND account_id = '' "
                            "UNION SELECT account_id FROM records WHERE account_id <> '' "
                            "ORDER BY 1");
    bind_text(query, 1, kAccountKind);
    std::vector<std::string> accounts;
    while (query.executeStep()) {
      accounts.push_back(query.getColumn(0).getString());
    }
    return accounts;
  });
}

Result<std::int64_t> SqliteRecordStore::remove_all(std::string_view account_id) {
  if (is_blank(account_id)) {
    return invalid_argument("account_id is required");
  }
  const std::string operation = fmt::format("delete every record of account '{}'", account_id);

  std::lock_guard lock(mutex_);
  return guarded(operation, [&]() -> Result<std::int64_t> {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement erase(*db_, "DELETE FROM records WHERE account_id = ?");
    bind_text(erase, 1, account_id);
    const std::int64_t removed = erase.exec();
    transaction.commit();
    logger().info("records deleted for account: account_id={} count={}", account_id, removed);
    return removed;
  });
}

Status SqliteRecordStore::check_ready() {
  std::lock_guard lock(mutex_);
  return guarded("readiness check", [&]() -> Status {
    db_->execAndGet("SELECT count(*) FROM records WHERE 0");
    return Status();
  });
}

}  // namespace floecat::records
