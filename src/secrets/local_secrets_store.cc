#include "secrets/local_secrets_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "core/encoding.h"
#include "core/ids.h"
#include "core/logging.h"
#include "sqlite/database.h"

#include <sys/stat.h>

namespace floecat::secrets {
namespace {

constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr int kSchemaVersion = 1;
constexpr std::string_view kTagAccountId = "AccountId";

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS secrets (
  name TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  secret_type TEXT NOT NULL,
  secret_id TEXT NOT NULL,
  version_id TEXT NOT NULL,
  nonce BLOB NOT NULL,
  sealed BLOB NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS secrets_account ON secrets (account_id);
CREATE TABLE IF NOT EXISTS secret_tags (
  name TEXT NOT NULL REFERENCES secrets (name) ON DELETE CASCADE,
  tag_key TEXT NOT NULL,
  tag_value TEXT NOT NULL,
  PRIMARY KEY (name, tag_key)
);
CREATE TABLE IF NOT EXISTS store_meta (
  meta_key TEXT PRIMARY KEY,
  meta_value BLOB NOT NULL
);
)sql";

// A known plaintext sealed under the master key, so that open() can tell a
// wrong key from a right one before any secret is read.
constexpr std::string_view kKeyCheckMetaKey = "key_check";
constexpr std::string_view kKeyCheckPlaintext = "floecat local secrets store key check v1";

// ---- SQLite errors ----

template <typename Body>
auto guarded(std::string_view operation, Body&& body) -> decltype(body()) {
  return sqlite::guarded("secrets database", operation, std::forward<Body>(body));
}

void bind_text(SQLite::Statement& query, int index, std::string_view value) {
  query.bind(index, std::string(value));
}

void bind_blob(SQLite::Statement& query, int index, const std::vector<std::uint8_t>& value) {
  query.bind(index, value.data(), static_cast<int>(value.size()));
}

std::vector<std::uint8_t> read_blob(const SQLite::Column& column) {
  const auto* data = static_cast<const std::uint8_t*>(column.getBlob());
  return std::vector<std::uint8_t>(data, data + column.getBytes());
}

// ---- AES-256-GCM ----

struct CipherContextDeleter {
  void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;

struct Sealed {
  std::vector<std::uint8_t> nonce;
  // Ciphertext followed by the 16-byte tag.
  std::vector<std::uint8_t> ciphertext;
};

// Associated data of one secret: each field with a 4-byte length prefix, so
// that no two (name, account, version) triples encode alike.
std::string associated_data(std::string_view name,
                            std::string_view account_id,
                            std::string_view version_id) {
  std::string out = "floecat.local-secret.v1";
  for (std::string_view field : {name, account_id, version_id}) {
    const auto size = static_cast<std::uint32_t>(field.size());
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((size >> shift) & 0xff));
    }
    out.append(field);
  }
  return out;
}

Result<Sealed> seal(const SecretBytes& key, std::string_view aad, std::string_view plaintext) {
  Sealed sealed;
  sealed.nonce.resize(kNonceBytes);
  if (RAND_bytes(sealed.nonce.data(), static_cast<int>(kNonceBytes)) != 1) {
    return internal_error("RAND_bytes failed to produce a nonce");
  }
  sealed.ciphertext.resize(plaintext.size() + kTagBytes);

  CipherContext context(EVP_CIPHER_CTX_new());
  int length = 0;
  int total = 0;
  bool ok = context != nullptr &&
            EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, key.data(),
                               sealed.nonce.data()) == 1 &&
            EVP_EncryptUpdate(context.get(), nullptr, &length,
                              reinterpret_cast<const unsigned char*>(aad.data()),
                              static_cast<int>(aad.size())) == 1;
  if (ok && !plaintext.empty()) {
    ok = EVP_EncryptUpdate(context.get(), sealed.ciphertext.data(), &length,
                           reinterpret_cast<const unsigned char*>(plaintext.data()),
                           static_cast<int>(plaintext.size())) == 1;
    total = length;
  }
  ok = ok && EVP_EncryptFinal_ex(context.get(), sealed.ciphertext.data() + total, &length) == 1 &&
       EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                           sealed.ciphertext.data() + plaintext.size()) == 1;
  if (!ok) {
    return internal_error("AES-256-GCM encryption failed in OpenSSL");
  }
  return sealed;
}

// Opens a sealed payload. Returns kInternal without detail on failure; the
// caller names the secret.
Result<SecretBytes> unseal(const SecretBytes& key,
                           std::string_view aad,
                           const std::vector<std::uint8_t>& nonce,
                           const std::vector<std::uint8_t>& ciphertext) {
  if (nonce.size() != kNonceBytes || ciphertext.size() < kTagBytes) {
    return internal_error("stored nonce or ciphertext has the wrong length");
  }
  const std::size_t plaintext_size = ciphertext.size() - kTagBytes;
  SecretBytes plaintext;
  plaintext.resize(plaintext_size);
  // OpenSSL takes a non-const tag pointer.
  std::array<std::uint8_t, kTagBytes> tag{};
  std::memcpy(tag.data(), ciphertext.data() + plaintext_size, kTagBytes);

  CipherContext context(EVP_CIPHER_CTX_new());
  int length = 0;
  bool ok = context != nullptr &&
            EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, key.data(),
                               nonce.data()) == 1 &&
            EVP_DecryptUpdate(context.get(), nullptr, &length,
                              reinterpret_cast<const unsigned char*>(aad.data()),
                              static_cast<int>(aad.size())) == 1;
  if (ok && plaintext_size > 0) {
    ok = EVP_DecryptUpdate(context.get(), plaintext.mutable_data(), &length, ciphertext.data(),
                           static_cast<int>(plaintext_size)) == 1;
  }
  ok = ok &&
       EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes),
                           tag.data()) == 1 &&
       EVP_DecryptFinal_ex(context.get(), plaintext.mutable_data() + plaintext_size, &length) == 1;
  if (!ok) {
    plaintext.clear();
    return internal_error("authentication failed");
  }
  return plaintext;
}

// ---- Master key ----

// Decodes the key from the environment. Error messages never echo the value.
Result<SecretBytes> decode_env_key(std::string_view value) {
  const std::string invalid = fmt::format(
      "{} must be 64 hex digits or the base64 encoding of {} bytes; generate one with "
      "'openssl rand -hex 32'",
      kLocalKeyEnvVar, kLocalMasterKeyBytes);
  if (value.size() == 2 * kLocalMasterKeyBytes) {
    SecretBytes key;
    key.resize(kLocalMasterKeyBytes);
    bool all_hex = true;
    for (std::size_t i = 0; i < kLocalMasterKeyBytes && all_hex; ++i) {
      const int high = hex_digit_value(value[2 * i]);
      const int low = hex_digit_value(value[2 * i + 1]);
      all_hex = high >= 0 && low >= 0;
      key.mutable_data()[i] = static_cast<std::uint8_t>(all_hex ? high * 16 + low : 0);
    }
    if (all_hex) {
      return key;
    }
  }
  auto decoded = base64_decode_secret(value);
  if (!decoded.ok() || decoded->size() != kLocalMasterKeyBytes) {
    return invalid_argument(invalid);
  }
  return std::move(decoded).value();
}

std::string errno_text(int error) {
  return std::strerror(error);
}

// Closes a file descriptor when it leaves scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}

  ~FileDescriptor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }

  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  int get() const { return fd_; }

 private:
  int fd_;
};

Status write_all(int fd, const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0 && errno == EINTR) {
      continue;
    }
    if (written <= 0) {
      return unavailable(errno_text(errno));
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  return Status();
}

// Creates the key file with fresh random bytes. The key is written to a
// temporary file and linked into place, so no reader ever sees a partial key
// and a concurrent creator loses with EEXIST.
Result<std::optional<SecretBytes>> create_key_file(const std::string& path) {
  SecretBytes key;
  key.resize(kLocalMasterKeyBytes);
  if (RAND_bytes(key.mutable_data(), static_cast<int>(kLocalMasterKeyBytes)) != 1) {
    return internal_error("RAND_bytes failed to produce a master key");
  }

  const std::string temporary = path + ".tmp-" + new_uuid();
  Status written;
  {
    FileDescriptor fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (fd.get() < 0) {
      return unavailable(
          fmt::format("master key file {} cannot be created: {}", temporary, errno_text(errno)));
    }
    written = write_all(fd.get(), key.data(), key.size());
    if (written.ok() && ::fsync(fd.get()) != 0) {
      written = unavailable(errno_text(errno));
    }
  }
  if (!written.ok()) {
    ::unlink(temporary.c_str());
    return unavailable(
        fmt::format("master key file {} cannot be written: {}", temporary, written.message()));
  }

  const int linked = ::link(temporary.c_str(), path.c_str());
  const int link_error = errno;
  ::unlink(temporary.c_str());
  if (linked != 0 && link_error == EEXIST) {
    return std::optional<SecretBytes>();  // Another process created it first.
  }
  if (linked != 0) {
    return unavailable(
        fmt::format("master key file {} cannot be created: {}", path, errno_text(link_error)));
  }
  logger().warn(
      "created master key file {} for the local secrets store; back it up, because the stored "
      "secrets cannot be read without it",
      path);
  return std::optional<SecretBytes>(std::move(key));
}

// Reads the key file. Returns nullopt when it does not exist.
Result<std::optional<SecretBytes>> read_key_file(const std::string& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return std::optional<SecretBytes>();
    }
    return unavailable(
        fmt::format("master key file {} cannot be opened: {}", path, errno_text(errno)));
  }

  struct stat info {};

  if (::fstat(fd.get(), &info) != 0) {
    return unavailable(
        fmt::format("master key file {} cannot be inspected: {}", path, errno_text(errno)));
  }
  if (!S_ISREG(info.st_mode)) {
    return failed_precondition(fmt::format("master key file {} is not a regular file", path));
  }
  if ((info.st_mode & 077) != 0) {
    return failed_precondition(
        fmt::format("master key file {} has mode {:04o}, which grants group or other access; run "
                    "'chmod 600 {}' and start again",
                    path, info.st_mode & 07777, path));
  }
  if (info.st_size != static_cast<off_t>(kLocalMasterKeyBytes)) {
    return invalid_argument(fmt::format(
        "master key file {} is {} bytes; it must contain exactly {} raw bytes (not hex or "
        "base64)",
        path, info.st_size, kLocalMasterKeyBytes));
  }

  SecretBytes key;
  key.resize(kLocalMasterKeyBytes);
  std::size_t filled = 0;
  while (filled < kLocalMasterKeyBytes) {
    const ssize_t count =
        ::read(fd.get(), key.mutable_data() + filled, kLocalMasterKeyBytes - filled);
    if (count < 0 && errno == EINTR) {
      continue;
    }
    if (count <= 0) {
      return unavailable(fmt::format("master key file {} cannot be read: {}", path,
                                     count == 0 ? "unexpected end of file" : errno_text(errno)));
    }
    filled += static_cast<std::size_t>(count);
  }
  return std::optional<SecretBytes>(std::move(key));
}

// ---- Database ----

// Creates the database file with mode 0600 so that SQLite, which gives its
// -wal and -shm files the mode of the main file, never widens access.
Status create_database_file(const std::string& path) {
  FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0 && errno != EEXIST) {
    return unavailable(
        fmt::format("secrets database {} cannot be created: {}", path, errno_text(errno)));
  }
  return Status();
}

std::vector<std::uint8_t> join(const Sealed& sealed) {
  std::vector<std::uint8_t> out = sealed.nonce;
  out.insert(out.end(), sealed.ciphertext.begin(), sealed.ciphertext.end());
  return out;
}

std::string key_check_aad() {
  return associated_data("key-check", "", "");
}

Status write_key_check(SQLite::Database& db, const SecretBytes& key) {
  FLOECAT_ASSIGN_OR_RETURN(Sealed sealed, seal(key, key_check_aad(), kKeyCheckPlaintext));
  SQLite::Statement upsert(db,
                           "INSERT INTO store_meta (meta_key, meta_value) VALUES (?, ?) "
                           "ON CONFLICT (meta_key) DO UPDATE SET meta_value = excluded.meta_value");
  bind_text(upsert, 1, kKeyCheckMetaKey);
  bind_blob(upsert, 2, join(sealed));
  upsert.exec();
  return Status();
}

// Verifies the master key against the stored check value, writing one when
// the database is new.
Status verify_or_write_key_check(SQLite::Database& db,
                                 const SecretBytes& key,
                                 const std::string& path) {
  SQLite::Statement query(db, "SELECT meta_value FROM store_meta WHERE meta_key = ?");
  bind_text(query, 1, kKeyCheckMetaKey);
  if (!query.executeStep()) {
    return write_key_check(db, key);
  }
  const std::vector<std::uint8_t> stored = read_blob(query.getColumn(0));
  if (stored.size() >= kNonceBytes) {
    const std::vector<std::uint8_t> nonce(stored.begin(), stored.begin() + kNonceBytes);
    const std::vector<std::uint8_t> ciphertext(stored.begin() + kNonceBytes, stored.end());
    auto opened = unseal(key, key_check_aad(), nonce, ciphertext);
    if (opened.ok() && opened->expose() == kKeyCheckPlaintext) {
      return Status();
    }
  }
  return failed_precondition(fmt::format(
      "the master key does not open secrets database {}; supply the key it was written with "
      "(key file or {})",
      path, kLocalKeyEnvVar));
}

// True when the database contains anything sealed under a master key: the key
// check value or a secret.
bool has_sealed_rows(SQLite::Database& db) {
  SQLite::Statement query(db,
                          "SELECT EXISTS (SELECT 1 FROM store_meta WHERE meta_key = ?) OR "
                          "EXISTS (SELECT 1 FROM secrets)");
  bind_text(query, 1, kKeyCheckMetaKey);
  return query.executeStep() && query.getColumn(0).getInt() != 0;
}

Status unseal_failure(const SecretKey& key) {
  return internal_error(fmt::format(
      "secret {} failed authentication: its stored row was altered, copied from another name, "
      "or sealed under a different master key",
      key.name()));
}

}  // namespace

// ---- LocalSecretsStore ----

Result<SecretBytes> LocalSecretsStore::load_master_key(const LocalSecretsStoreOptions& options,
                                                       bool database_has_sealed_rows) {
  if (options.env) {
    std::optional<std::string> value = options.env(std::string(kLocalKeyEnvVar));
    if (value) {
      auto key = value->empty()
                     ? Result<SecretBytes>(invalid_argument(fmt::format(
                           "{} is set but empty; set it to 64 hex digits or unset it to use the "
                           "key file",
                           kLocalKeyEnvVar)))
                     : decode_env_key(*value);
      secure_wipe(value->data(), value->size());
      return key;
    }
  }

  if (options.key_file_path.empty()) {
    return invalid_argument(fmt::format(
        "the local secrets store needs a master key: set floecat.secrets.local.key-file or {}",
        kLocalKeyEnvVar));
  }
  // Two passes at most: a concurrent creator may win the race to create it.
  for (int attempt = 0; attempt < 2; ++attempt) {
    FLOECAT_ASSIGN_OR_RETURN(std::optional<SecretBytes> existing,
                             read_key_file(options.key_file_path));
    if (existing) {
      return std::move(*existing);
    }
    if (database_has_sealed_rows) {
      // A new key could never open the existing rows, and writing one would
      // hide the loss until the key check fails.
      return failed_precondition(fmt::format(
          "master key file {} is missing, but secrets database {} already contains secrets sealed "
          "under a key; restore the key file from your backup (32 raw bytes, mode 0600) or set "
          "{} to that key, then start again. A new key is created only for an empty store",
          options.key_file_path, options.database_path, kLocalKeyEnvVar));
    }
    FLOECAT_ASSIGN_OR_RETURN(std::optional<SecretBytes> created,
                             create_key_file(options.key_file_path));
    if (created) {
      return std::move(*created);
    }
  }
  return unavailable(fmt::format("master key file {} appeared and vanished while starting; retry",
                                 options.key_file_path));
}

Result<std::unique_ptr<LocalSecretsStore>> LocalSecretsStore::open(
    const LocalSecretsStoreOptions& options) {
  if (options.database_path.empty()) {
    return invalid_argument("the local secrets store needs a database path");
  }
  FLOECAT_RETURN_IF_ERROR(create_database_file(options.database_path));

  // secure_delete zeroes deleted pages, so old ciphertexts do not linger.
  FLOECAT_ASSIGN_OR_RETURN(auto db, sqlite::open_database({.label = "secrets database",
                                                           .path = options.database_path,
                                                           .schema_version = kSchemaVersion,
                                                           .busy_timeout_ms = kBusyTimeoutMs,
                                                           .secure_delete = true}));
  // The key is loaded inside the write transaction, so a concurrent open
  // cannot seal a first row between the check for rows and the creation of
  // a key file.
  return guarded(
      fmt::format("create the schema of {}", options.database_path),
      [&]() -> Result<std::unique_ptr<LocalSecretsStore>> {
        SQLite::Transaction transaction(*db, SQLite::TransactionBehavior::IMMEDIATE);
        db->exec(kSchema);
        db->exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion));
        FLOECAT_ASSIGN_OR_RETURN(SecretBytes master_key,
                                 load_master_key(options, has_sealed_rows(*db)));
        FLOECAT_RETURN_IF_ERROR(verify_or_write_key_check(*db, master_key, options.database_path));
        transaction.commit();

        logger().info("local secrets store opened: path={}", options.database_path);
        return std::unique_ptr<LocalSecretsStore>(new LocalSecretsStore(
            std::move(db), std::move(master_key), *options.clock, options.database_path));
      });
}

LocalSecretsStore::LocalSecretsStore(std::unique_ptr<SQLite::Database> db,
                                     SecretBytes master_key,
                                     const Clock& clock,
                                     std::string path)
    : db_(std::move(db)),
      master_key_(std::move(master_key)),
      clock_(clock),
      path_(std::move(path)) {}

LocalSecretsStore::~LocalSecretsStore() = default;

Result<std::string> LocalSecretsStore::put(const SecretKey& key, const SecretBytes& payload) {
  return write(key, payload, "put");
}

Result<std::string> LocalSecretsStore::update(const SecretKey& key, const SecretBytes& payload) {
  return write(key, payload, "update");
}

Result<std::string> LocalSecretsStore::write(const SecretKey& key,
                                             const SecretBytes& payload,
                                             const char* verb) {
  FLOECAT_RETURN_IF_ERROR(check_payload_size(key, payload));
  const std::string version_id = new_uuid();
  const std::string aad = associated_data(key.name(), key.account_id(), version_id);

  std::lock_guard lock(mutex_);
  FLOECAT_ASSIGN_OR_RETURN(Sealed sealed, seal(master_key_, aad, payload.expose()));
  const std::string operation = fmt::format("{} secret {}", verb, key.name());
  return guarded(operation, [&]() -> Result<std::string> {
    const std::int64_t now = clock_.now_ms();
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement upsert(
        *db_,
        "INSERT INTO secrets (name, account_id, secret_type, secret_id, version_id, nonce, sealed, "
        "created_at_ms, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) "
        "ON CONFLICT (name) DO UPDATE SET version_id = excluded.version_id, "
        "nonce = excluded.nonce, sealed = excluded.sealed, updated_at_ms = excluded.updated_at_ms");
    bind_text(upsert, 1, key.name());
    bind_text(upsert, 2, key.account_id());
    bind_text(upsert, 3, key.secret_type());
    bind_text(upsert, 4, key.secret_id());
    bind_text(upsert, 5, version_id);
    bind_blob(upsert, 6, sealed.nonce);
    bind_blob(upsert, 7, sealed.ciphertext);
    upsert.bind(8, now);
    upsert.exec();

    SQLite::Statement tag(*db_,
                          "INSERT INTO secret_tags (name, tag_key, tag_value) VALUES (?, ?, ?) "
                          "ON CONFLICT (name, tag_key) DO UPDATE SET tag_value = "
                          "excluded.tag_value");
    bind_text(tag, 1, key.name());
    bind_text(tag, 2, kTagAccountId);
    bind_text(tag, 3, key.account_id());
    tag.exec();
    transaction.commit();

    logger().info("secret stored: backend=local name={} version_id={}", key.name(), version_id);
    return version_id;
  });
}

Result<std::optional<SecretBytes>> LocalSecretsStore::get(const SecretKey& key) {
  std::lock_guard lock(mutex_);
  const std::string operation = fmt::format("get secret {}", key.name());
  return guarded(operation, [&]() -> Result<std::optional<SecretBytes>> {
    SQLite::Statement query(*db_, "SELECT version_id, nonce, sealed FROM secrets WHERE name = ?");
    bind_text(query, 1, key.name());
    if (!query.executeStep()) {
      return std::optional<SecretBytes>();
    }
    const std::string version_id = query.getColumn(0).getString();
    const std::vector<std::uint8_t> nonce = read_blob(query.getColumn(1));
    const std::vector<std::uint8_t> ciphertext = read_blob(query.getColumn(2));

    auto opened = unseal(master_key_, associated_data(key.name(), key.account_id(), version_id),
                         nonce, ciphertext);
    if (!opened.ok()) {
      logger().error("secret failed authentication: backend=local name={} version_id={}",
                     key.name(), version_id);
      return unseal_failure(key);
    }
    return std::optional<SecretBytes>(std::move(opened).value());
  });
}

Status LocalSecretsStore::remove(const SecretKey& key) {
  std::lock_guard lock(mutex_);
  const std::string operation = fmt::format("delete secret {}", key.name());
  return guarded(operation, [&]() -> Status {
    SQLite::Statement erase(*db_, "DELETE FROM secrets WHERE name = ?");
    bind_text(erase, 1, key.name());
    if (erase.exec() > 0) {
      logger().info("secret deleted: backend=local name={}", key.name());
    }
    return Status();
  });
}

Result<std::vector<SecretKey>> LocalSecretsStore::list_for_account(std::string_view account_id) {
  if (is_blank(account_id)) {
    return invalid_argument("account_id is required");
  }
  std::lock_guard lock(mutex_);
  const std::string operation = fmt::format("list secrets of account '{}'", account_id);
  return guarded(operation, [&]() -> Result<std::vector<SecretKey>> {
    SQLite::Statement query(*db_,
                            "SELECT name, secret_type, secret_id FROM secrets "
                            "WHERE account_id = ? ORDER BY name");
    bind_text(query, 1, account_id);
    std::vector<SecretKey> keys;
    while (query.executeStep()) {
      const std::string name = query.getColumn(0).getString();
      auto key = SecretKey::make(account_id, query.getColumn(1).getString(),
                                 query.getColumn(2).getString());
      if (!key.ok() || key->name() != name) {
        return internal_error(fmt::format(
            "secrets database {}: row {} does not match its account, type and id columns", path_,
            name));
      }
      keys.push_back(std::move(key).value());
    }
    return keys;
  });
}

Result<std::map<std::string, std::string>> LocalSecretsStore::tags(const SecretKey& key) {
  std::lock_guard lock(mutex_);
  const std::string operation = fmt::format("read tags of secret {}", key.name());
  return guarded(operation, [&]() -> Result<std::map<std::string, std::string>> {
    SQLite::Statement exists(*db_, "SELECT 1 FROM secrets WHERE name = ?");
    bind_text(exists, 1, key.name());
    if (!exists.executeStep()) {
      return not_found(fmt::format("secret {} not found", key.name()));
    }
    SQLite::Statement query(*db_, "SELECT tag_key, tag_value FROM secret_tags WHERE name = ?");
    bind_text(query, 1, key.name());
    std::map<std::string, std::string> tags;
    while (query.executeStep()) {
      tags.emplace(query.getColumn(0).getString(), query.getColumn(1).getString());
    }
    return tags;
  });
}

Status LocalSecretsStore::check_ready() {
  std::lock_guard lock(mutex_);
  return guarded("readiness check", [&]() -> Status {
    db_->execAndGet("SELECT count(*) FROM secrets WHERE 0");
    return Status();
  });
}

Status LocalSecretsStore::rotate_key(const SecretBytes& new_key) {
  if (new_key.size() != kLocalMasterKeyBytes) {
    return invalid_argument(fmt::format("new master key is {} bytes; it must be {} bytes",
                                        new_key.size(), kLocalMasterKeyBytes));
  }
  std::lock_guard lock(mutex_);
  return guarded("rotate the master key", [&]() -> Status {
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);

    struct Row {
      std::string name;
      std::string account_id;
      std::string version_id;
      std::vector<std::uint8_t> nonce;
      std::vector<std::uint8_t> ciphertext;
    };
    std::vector<Row> rows;
    SQLite::Statement query(*db_,
                            "SELECT name, account_id, version_id, nonce, sealed FROM secrets");
    while (query.executeStep()) {
      rows.push_back(Row{query.getColumn(0).getString(), query.getColumn(1).getString(),
                         query.getColumn(2).getString(), read_blob(query.getColumn(3)),
                         read_blob(query.getColumn(4))});
    }

    SQLite::Statement reseal(*db_, "UPDATE secrets SET nonce = ?, sealed = ? WHERE name = ?");
    for (const Row& row : rows) {
      const std::string aad = associated_data(row.name, row.account_id, row.version_id);
      auto plaintext = unseal(master_key_, aad, row.nonce, row.ciphertext);
      if (!plaintext.ok()) {
        return internal_error(fmt::format(
            "key rotation stopped and changed nothing: secret {} failed authentication under the "
            "current master key",
            row.name));
      }
      FLOECAT_ASSIGN_OR_RETURN(Sealed sealed, seal(new_key, aad, plaintext->expose()));
      reseal.reset();
      bind_blob(reseal, 1, sealed.nonce);
      bind_blob(reseal, 2, sealed.ciphertext);
      bind_text(reseal, 3, row.name);
      reseal.exec();
    }
    FLOECAT_RETURN_IF_ERROR(write_key_check(*db_, new_key));
    transaction.commit();

    master_key_ = new_key.clone();
    logger().info("master key rotated: backend=local path={} secrets={}", path_, rows.size());
    return Status();
  });
}

}  // namespace floecat::secrets
