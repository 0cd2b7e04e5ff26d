#include "sqlite/database.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include "core/logging.h"

namespace floecat::sqlite {

Status status_from_exception(std::string_view database,
                             std::string_view operation,
                             const SQLite::Exception& error) {
  const int code = error.getErrorCode();
  const bool transient = code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_IOERR ||
                         code == SQLITE_CANTOPEN || code == SQLITE_FULL ||
                         code == SQLITE_READONLY || code == SQLITE_PROTOCOL;
  std::string message = fmt::format("{}: {} failed: {} (SQLite code {})", database, operation,
                                    error.what(), error.getExtendedErrorCode());
  logger().error("{}", message);
  if (transient) {
    return unavailable(message + "; retry later");
  }
  return internal_error(std::move(message));
}

Result<std::unique_ptr<SQLite::Database>> open_database(const DatabaseOptions& options) {
  return guarded(options.label, fmt::format("open {}", options.path),
                 [&]() -> Result<std::unique_ptr<SQLite::Database>> {
                   auto db = std::make_unique<SQLite::Database>(
                       options.path,
                       SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX,
                       options.busy_timeout_ms);
                   db->exec("PRAGMA journal_mode = WAL");
                   db->exec("PRAGMA foreign_keys = ON");
                   db->exec("PRAGMA synchronous = FULL");
                   if (options.secure_delete) {
                     db->exec("PRAGMA secure_delete = ON");
                   }
                   const int stored_version = db->execAndGet("PRAGMA user_version").getInt();
                   if (stored_version > options.schema_version) {
                     return failed_precondition(fmt::format(
                         "{} {} has schema version {}, newer than {} which this build supports; "
                         "upgrade floecat",
                         options.label, options.path, stored_version, options.schema_version));
                   }
                   return db;
                 });
}

}  // namespace floecat::sqlite
