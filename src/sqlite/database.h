#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <SQLiteCpp/SQLiteCpp.h>

#include "core/result.h"

namespace floecat::sqlite {

// Maps an SQLite failure to a Status and logs it. Contention and I/O
// failures can pass, so they are kUnavailable; anything else (corruption, a
// schema surprise) is kInternal. `database` names the file's role, e.g.
// "records database". SQLite's messages name tables and columns, never bound
// values.
Status status_from_exception(std::string_view database,
                             std::string_view operation,
                             const SQLite::Exception& error);

// Runs `body` (which returns a Status or a Result), turning an SQLite
// exception into a Status.
template <typename Body>
auto guarded(std::string_view database, std::string_view operation, Body&& body)
    -> decltype(body()) {
  try {
    return body();
  } catch (const SQLite::Exception& error) {
    return status_from_exception(database, operation, error);
  }
}

struct DatabaseOptions {
  // The file's role in messages, e.g. "secrets database".
  std::string label;
  std::string path;
  // The newest schema version this build understands (PRAGMA user_version).
  int schema_version = 1;
  int busy_timeout_ms = 5000;
  // Zero deleted pages, so that old contents do not linger in the file.
  bool secure_delete = false;
};

// Opens or creates the database in WAL mode with foreign keys on and
// synchronous=FULL (a commit survives a power cut). A file whose stored
// schema version is newer than options.schema_version is kFailedPrecondition.
// The caller creates its schema and sets the version in its own transaction.
Result<std::unique_ptr<SQLite::Database>> open_database(const DatabaseOptions& options);

}  // namespace floecat::sqlite
