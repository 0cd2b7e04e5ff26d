#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "core/config.h"
#include "core/secret_bytes.h"
#include "secrets/secrets_store.h"

namespace SQLite {
class Database;
}  // namespace SQLite

namespace floecat::secrets {

// Length of the AES-256-GCM master key, in bytes.
inline constexpr std::size_t kLocalMasterKeyBytes = 32;

// Environment variable with the master key (64 hex digits or base64 of 32
// bytes). When set it takes precedence over the key file.
inline constexpr std::string_view kLocalKeyEnvVar = "FLOECAT_SECRETS_LOCAL_KEY";

struct LocalSecretsStoreOptions {
  // The SQLite file of sealed secrets; created with mode 0600 when missing.
  std::string database_path;
  // The raw 32-byte master key. Created with mode 0600 and random bytes when
  // missing and the database contains no sealed rows yet; a missing key next to
  // sealed rows is kFailedPrecondition. Rejected when its mode grants any
  // group or other permission.
  // Not read when kLocalKeyEnvVar is set.
  std::string key_file_path;
  // Source of kLocalKeyEnvVar.
  EnvLookup env = process_env();
  // Sets the row timestamps; must outlive the store.
  const Clock* clock = &SystemClock::instance();
};

// The embedded secrets backend: one SQLite file (WAL mode) in which every
// payload is sealed with AES-256-GCM under the master key and a fresh 12-byte
// nonce. The associated data binds each ciphertext to its secret name,
// account id and version id, so a row copied under another name fails to
// open. Every secret is tagged AccountId=<account id>. Thread-safe: one
// connection behind a mutex.
//
// The database records a check value sealed under the master key, so opening
// it with a different key fails at once instead of on the first read.
class LocalSecretsStore final : public SecretsStore {
 public:
  // How long a statement waits for another writer before failing.
  static constexpr int kBusyTimeoutMs = 5000;

  // Opens or creates the database and loads the master key. Errors:
  // kInvalidArgument for a malformed key (wrong length, bad encoding),
  // kFailedPrecondition for a key file with group or other permissions, a
  // missing key file next to sealed rows, or a key that does not match the
  // database, kUnavailable when a file cannot be
  // read, created or opened.
  static Result<std::unique_ptr<LocalSecretsStore>> open(const LocalSecretsStoreOptions& options);

  // Reads the master key as open() does: from kLocalKeyEnvVar when set,
  // otherwise from the key file. A missing key file is created only when
  // `database_has_sealed_rows` is false; otherwise the result is
  // kFailedPrecondition saying how to restore the key.
  static Result<SecretBytes> load_master_key(const LocalSecretsStoreOptions& options,
                                             bool database_has_sealed_rows);

  ~LocalSecretsStore() override;

  Result<std::string> put(const SecretKey& key, const SecretBytes& payload) override;
  Result<std::optional<SecretBytes>> get(const SecretKey& key) override;
  Result<std::string> update(const SecretKey& key, const SecretBytes& payload) override;
  Status remove(const SecretKey& key) override;
  Result<std::vector<SecretKey>> list_for_account(std::string_view account_id) override;
  Result<std::map<std::string, std::string>> tags(const SecretKey& key) override;
  Status check_ready() override;

  std::string_view backend_name() const override { return "local"; }

  // Re-seals every secret and the key check value under `new_key` in one
  // transaction, then uses `new_key` from then on. Version ids are kept.
  // The caller must store the new key where the next open() reads it (key
  // file or kLocalKeyEnvVar). Errors: kInvalidArgument for a key that is not
  // 32 bytes, kInternal when a stored secret fails to open (nothing changes).
  // NOTE: save the new key before calling. A crash after this call but
  // before the key is saved leaves a database that only the new key opens.
  Status rotate_key(const SecretBytes& new_key);

 private:
  LocalSecretsStore(std::unique_ptr<SQLite::Database> db,
                    SecretBytes master_key,
                    const Clock& clock,
                    std::string path);

  Result<std::string> write(const SecretKey& key, const SecretBytes& payload, const char* verb);

  std::mutex mutex_;
  std::unique_ptr<SQLite::Database> db_;
  SecretBytes master_key_;
  const Clock& clock_;
  std::string path_;
};

}  // namespace floecat::secrets
