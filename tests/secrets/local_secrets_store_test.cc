#include "secrets/local_secrets_store.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <thread>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include "core/encoding.h"
#include "core/ids.h"
#include "secrets/factory.h"

#include <sys/stat.h>

namespace floecat::secrets {
namespace {

namespace fs = std::filesystem;

// An environment with only the given variables.
EnvLookup fake_env(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    auto found = variables.find(name);
    if (found == variables.end()) {
      return std::nullopt;
    }
    return found->second;
  };
}

std::string read_file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

SecretKey key_of(std::string_view account, std::string_view id) {
  auto key = SecretKey::make(account, kConnectorsType, id);
  EXPECT_TRUE(key.ok()) << key.status();
  return std::move(key).value();
}

std::string every_byte_value() {
  std::string bytes;
  for (int value = 0; value < 256; ++value) {
    bytes.push_back(static_cast<char>(value));
  }
  return bytes;
}

class LocalSecretsStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("floecat-secrets-" + new_uuid());
    fs::create_directories(dir_);
  }

  void TearDown() override {
    store_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  LocalSecretsStoreOptions options(std::map<std::string, std::string> env = {}) const {
    LocalSecretsStoreOptions options;
    options.database_path = (dir_ / "secrets.db").string();
    options.key_file_path = (dir_ / "secrets.key").string();
    options.env = fake_env(std::move(env));
    return options;
  }

  void open_or_fail(std::map<std::string, std::string> env = {}) {
    store_.reset();
    auto store = LocalSecretsStore::open(options(std::move(env)));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(store).value();
  }

  std::string put_or_fail(const SecretKey& key, std::string_view payload) {
    auto version = store_->put(key, SecretBytes(payload));
    EXPECT_TRUE(version.ok()) << version.status();
    return version.ok() ? *version : std::string();
  }

  void expect_payload(const SecretKey& key, std::string_view expected) {
    auto payload = store_->get(key);
    ASSERT_TRUE(payload.ok()) << payload.status();
    ASSERT_TRUE(payload->has_value()) << key.name();
    EXPECT_EQ((*payload)->size(), expected.size());
    EXPECT_TRUE((*payload)->expose() == expected) << key.name();
  }

  fs::path dir_;
  std::unique_ptr<LocalSecretsStore> store_;
};

constexpr const char* kHexKeyA = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr const char* kHexKeyB = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

TEST_F(LocalSecretsStoreTest, EveryByteValueRoundTrips) {
  ASSERT_NO_FATAL_FAILURE(open_or_fail());
  const SecretKey key = key_of("acct-1", "conn-1");
  put_or_fail(key, every_byte_value());
  expect_payload(key, every_byte_value());
}

TEST_F(LocalSecretsStoreTest, BoundarySizesRoundTrip) {
  ASSERT_NO_FATAL_FAILURE(open_or_fail());
  const std::string max(kMaxSecretPayloadBytes, '\xA5');
  const std::map<std::string, std::string> cases = {{"empty", ""}, {"one", "x"}, {"max", max}};
  for (const auto& [id, payload] : cases) {
    SCOPED_TRACE(id);
    const SecretKey key = key_of("acct-1", id);
    put_or_fail(key, payload);
    expect_payload(key, payload);
  }
}

TEST_F(LocalSecretsStoreTest, OversizedPayloadRejectedAndNothingWritten) {
  ASSERT_NO_FATAL_FAILURE(open_or_fail());
  const SecretKey fresh = key_of("acct-1", "fresh");
  const SecretBytes too_big(std::string(kMaxSecretPayloadBytes + 1, 'z'));

  auto rejected = store_->put(fresh, too_big);
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(rejected.status().message().find("payload is 65537 bytes; the limit is 65536"),
            std::string::npos)
      << rejected.status();
  auto absent = store_->get(fresh);
  ASSERT_TRUE(absent.ok()) << absent.status();
  EXPECT_FALSE(absent->has_value());

  const SecretKey existing = key_of("acct-1", "existing");
  put_or_fail(existing, "original");
  EXPECT_FALSE(store_->update(existing, too_big).ok());
  expect_payload(existing, "original");
}

TEST_F(LocalSecretsStoreTest, PutOverwritesWithNewVersion) {
  ASSERT_NO_FATAL_FAILURE(open_or_fail());
  const SecretKey key = key_of("acct-1", "conn-1");
  const std::string first = put_or_fail(key, "one");
  auto second = store_->update(key, SecretBytes("two"));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(first, *second);
  EXPECT_FALSE(first.empty());
  expect_payload(key, "two");

  // update creates a missing secret.
  const SecretKey other = key_of("acct-1", "conn-2");
  ASSERT_TRUE(store_->update(other, SecretBytes("created")).ok());
  expect_payload(other, "created");
}

TEST_F(LocalSecretsStoreTest, RemoveIsIdempotent) {
  ASSERT_NO_FATAL_FAILURE(open_or_fail());
  const SecretKey key = key_of("acct-1", "conn-1");
  put_or_fail(key, "payload");
  EXPECT_TRUE(store_->remove(key).ok());
  auto absent = store_->get(key);
  ASSERT_TRUE(absent.ok()) << absent.status();
  EXPECT_FALSE(absent->has_value());
  EXPECT_TRUE(store_->remove(key).ok());
  EXPECT_EQ(store_->tags(key).status().code(), StatusCode::kNotFound);
}

TEST_F(LocalSecretsStoreTest, TagsCarryAccountId) {
  ASSERT_NO_FATAL_FAILURE(open_or_fail());
  const SecretKey key = key_of("acct/with slash", "conn-1");
  put_or_fail(key, "payload");
  auto tags = store_->tags(key);
  ASSERT_TRUE(tags.ok()) << tags.status();
  EXPECT_EQ(*tags, (std::map<std::string, std::string>{{"AccountId", "acct/with slash"}}));
}

TEST_F(LocalSecretsStoreTest, ListForAccountReturnsOnlyThatAccount) {
  ASSERT_NO_FATAL_FAILURE(open_or_fail());
  put_or_fail(key_of("acct-1", "b"), "1");
  put_or_fail(key_of("acct-1", "a/escaped"), "2");
  auto authority = SecretKey::make("acct-1", kStorageAuthoritiesType, "sa-1");
  ASSERT_TRUE(authority.ok());
  put_or_fail(*authority, "3");
  put_or_fail(key_of("acct-10", "c"), "4");
  put_or_fail(key_of("acct-2", "d"), "5");

  auto keys = store_->list_for_account("acct-1");
  ASSERT_TRUE(keys.ok()) << keys.status();
  std::vector<std::string> names;
  for (const SecretKey& key : *keys) {
    names.push_back(key.name());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"accounts/acct-1/connectors/a=2Fescaped",
                                             "accounts/acct-1/connectors/b",
                                             "accounts/acct-1/storage-authorities/sa-1"}));
  EXPECT_EQ((*keys)[0].secret_id(), "a/escaped");
  EXPECT_EQ(store_->list_for_account("").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LocalSecretsStoreTest, CopiedRowFailsToOpen) {
  ASSERT_NO_FATAL_FAILURE(open_or_fail());
  const std::string canary = "copied-row-canary-payload";
  put_or_fail(key_of("acct-1", "original"), canary);
  const SecretKey copy = key_of("acct-1", "copy");
  const SecretKey other_account = key_of("acct-2", "original");
  {
    SQLite::Database db((dir_ / "secrets.db").string(), SQLite::OPEN_READWRITE);
    for (const SecretKey* target : {&copy, &other_account}) {
      SQLite::Statement insert(
          db,
          "INSERT INTO secrets SELECT ?, ?, secret_type, ?, version_id, nonce, sealed, "
          "created_at_ms, updated_at_ms FROM secrets WHERE name = ?");
      insert.bind(1, target->name());
      insert.bind(2, target->account_id());
      insert.bind(3, target->secret_id());
      insert.bind(4, std::string("accounts/acct-1/connectors/original"));
      ASSERT_EQ(insert.exec(), 1);
    }
  }

  for (const SecretKey* target : {&copy, &other_account}) {
    SCOPED_TRACE(target->name());
    auto payload = store_->get(*target);
    ASSERT_FALSE(payload.ok());
    EXPECT_EQ(payload.status().code(), StatusCode::kInternal);
    EXPECT_NE(payload.status().message().find(target->name()), std::string::npos)
        << payload.status();
    EXPECT_EQ(payload.status().message().find(canary), std::string::npos);
  }
  expect_payload(key_of("acct-1", "original"), canary);
}

TEST_F(LocalSecretsStoreTest, KeyFileCreatedOwnerOnly) {
  ASSERT_NO_FATAL_FAILURE(open_or_fail());

  struct stat info {};

  ASSERT_EQ(::stat((dir_ / "secrets.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
  EXPECT_EQ(info.st_size, static_cast<off_t>(kLocalMasterKeyBytes));
  ASSERT_EQ(::stat((dir_ / "secrets.db").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 077, 0u);

  // The same key file is read on the next start.
  const SecretKey key = key_of("acct-1", "conn-1");
  put_or_fail(key, "kept");
  ASSERT_NO_FATAL_FAILURE(open_or_fail());
  expect_payload(key, "kept");
}

TEST_F(LocalSecretsStoreTest, EachGroupOrOtherBitRejected) {
  ASSERT_NO_FATAL_FAILURE(open_or_fail());
  store_.reset();
  const fs::path key_file = dir_ / "secrets.key";
  for (mode_t bit : {S_IRGRP, S_IWGRP, S_IXGRP, S_IROTH, S_IWOTH, S_IXOTH}) {
    SCOPED_TRACE(testing::Message() << "mode bit " << std::oct << bit);
    ASSERT_EQ(::chmod(key_file.c_str(), 0600 | bit), 0);
    auto store = LocalSecretsStore::open(options());
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(store.status().message().find("chmod 600"), std::string::npos) << store.status();
  }
  ASSERT_EQ(::chmod(key_file.c_str(), 0600), 0);
  EXPECT_TRUE(LocalSecretsStore::open(options()).ok());
}

TEST_F(LocalSecretsStoreTest, WrongLengthKeyFileRejected) {
  const fs::path key_file = dir_ / "secrets.key";
  for (std::size_t size : {std::size_t{0}, std::size_t{31}, std::size_t{33}, std::size_t{64}}) {
    SCOPED_TRACE(size);
    fs::remove(key_file);
    std::ofstream(key_file, std::ios::binary) << std::string(size, 'k');
    ASSERT_EQ(::chmod(key_file.c_str(), 0600), 0);
    auto store = LocalSecretsStore::open(options());
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(store.status().message().find("exactly 32 raw bytes"), std::string::npos)
        << store.status();
  }
}

TEST_F(LocalSecretsStoreTest, EnvironmentKeyWinsOverFile) {
  ASSERT_NO_FATAL_FAILURE(open_or_fail({{std::string(kLocalKeyEnvVar), kHexKeyA}}));
  EXPECT_FALSE(fs::exists(dir_ / "secrets.key"));
  const SecretKey key = key_of("acct-1", "conn-1");
  put_or_fail(key, "under env key");
  store_.reset();

  // The same key in base64 opens the database.
  auto raw = hex_decode(kHexKeyA);
  ASSERT_TRUE(raw.ok());
  ASSERT_NO_FATAL_FAILURE(open_or_fail({{std::string(kLocalKeyEnvVar), base64_encode(*raw)}}));
  expect_payload(key, "under env key");
}

TEST_F(LocalSecretsStoreTest, MalformedEnvironmentKeyRejected) {
  const std::string secret_looking = "zz-not-a-key-but-must-not-be-echoed";
  for (const std::string& value :
       {secret_looking, std::string(""), std::string(63, 'a'), std::string(66, 'a'),
        base64_encode(std::string(31, 'k')), std::string(64, 'g')}) {
    SCOPED_TRACE(value.size());
    auto store = LocalSecretsStore::open(options({{std::string(kLocalKeyEnvVar), value}}));
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(store.status().message().find(kLocalKeyEnvVar), std::string::npos);
    if (!value.empty()) {
      EXPECT_EQ(store.status().message().find(value), std::string::npos);
    }
  }
}

TEST_F(LocalSecretsStoreTest, MissingKeyFileNotReplacedForSealedStore) {
  ASSERT_NO_FATAL_FAILURE(open_or_fail());
  const SecretKey key = key_of("acct-1", "conn-1");
  put_or_fail(key, "sealed under the file key");
  store_.reset();
  const fs::path key_file = dir_ / "secrets.key";
  ASSERT_TRUE(fs::remove(key_file));

  auto reopened = LocalSecretsStore::open(options());
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), StatusCode::kFailedPrecondition);
  const std::string message = reopened.status().message();
  EXPECT_NE(message.find("is missing"), std::string::npos) << message;
  EXPECT_NE(message.find("restore the key file"), std::string::npos) << message;
  EXPECT_NE(message.find(key_file.string()), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(key_file));
}

TEST_F(LocalSecretsStoreTest, MissingKeyWithOnlyKeyCheckNotReplaced) {
  // An opened store with no secrets still has the check value sealed under
  // the old key, so a new key could not open it either.
  ASSERT_NO_FATAL_FAILURE(open_or_fail());
  store_.reset();
  ASSERT_TRUE(fs::remove(dir_ / "secrets.key"));
  auto reopened = LocalSecretsStore::open(options());
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(fs::exists(dir_ / "secrets.key"));
}

TEST_F(LocalSecretsStoreTest, KeyFileCreatedForEmptyDatabase) {
  // A database file that exists but contains no sealed rows is a new store.
  {
    SQLite::Database db((dir_ / "secrets.db").string(),
                        SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE unrelated (x INTEGER)");
  }
  ASSERT_NO_FATAL_FAILURE(open_or_fail());
  EXPECT_TRUE(fs::exists(dir_ / "secrets.key"));
}

TEST_F(LocalSecretsStoreTest, RestoredKeyFileOpensSealedStore) {
  ASSERT_NO_FATAL_FAILURE(open_or_fail());
  const SecretKey key = key_of("acct-1", "conn-1");
  put_or_fail(key, "kept across the restore");
  store_.reset();
  const fs::path key_file = dir_ / "secrets.key";
  const fs::path backup = dir_ / "backup.key";
  fs::copy_file(key_file, backup);
  ASSERT_TRUE(fs::remove(key_file));
  ASSERT_FALSE(LocalSecretsStore::open(options()).ok());

  fs::copy_file(backup, key_file);
  ASSERT_EQ(::chmod(key_file.c_str(), 0600), 0);
  ASSERT_NO_FATAL_FAILURE(open_or_fail());
  expect_payload(key, "kept across the restore");
}

TEST_F(LocalSecretsStoreTest, WrongKeyCannotRead) {
  ASSERT_NO_FATAL_FAILURE(open_or_fail({{std::string(kLocalKeyEnvVar), kHexKeyA}}));
  const SecretKey key = key_of("acct-1", "conn-1");
  put_or_fail(key, "sealed under A");
  store_.reset();

  auto wrong = LocalSecretsStore::open(options({{std::string(kLocalKeyEnvVar), kHexKeyB}}));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kFailedPrecondition);

  // Without the key check value the wrong key opens the file, but every
  // secret still fails authentication.
  {
    SQLite::Database db((dir_ / "secrets.db").string(), SQLite::OPEN_READWRITE);
    db.exec("DELETE FROM store_meta");
  }
  ASSERT_NO_FATAL_FAILURE(open_or_fail({{std::string(kLocalKeyEnvVar), kHexKeyB}}));
  auto payload = store_->get(key);
  ASSERT_FALSE(payload.ok());
  EXPECT_EQ(payload.status().code(), StatusCode::kInternal);
}

TEST_F(LocalSecretsStoreTest, DatabaseFilesNeverContainPayload) {
  ASSERT_NO_FATAL_FAILURE(open_or_fail());
  const std::string canary = "CANARY-7f3e9c1b-plaintext-must-not-reach-disk";
  for (int i = 0; i < 20; ++i) {
    put_or_fail(key_of("acct-1", "conn-" + std::to_string(i)), canary + std::to_string(i));
  }
  put_or_fail(key_of("acct-1", "conn-0"), canary + "-updated");

  auto scan = [&](const char* when) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      const fs::path file = dir_ / (std::string("secrets.db") + suffix);
      if (!fs::exists(file)) {
        continue;
      }
      const std::string bytes = read_file_bytes(file);
      EXPECT_EQ(bytes.find(canary), std::string::npos) << file << " " << when;
    }
  };
  ASSERT_TRUE(fs::exists(dir_ / "secrets.db-wal"));
  scan("while open");
  store_.reset();
  scan("after close");
}

TEST_F(LocalSecretsStoreTest, RotationKeepsPayloadsUnderNewKeyOnly) {
  ASSERT_NO_FATAL_FAILURE(open_or_fail({{std::string(kLocalKeyEnvVar), kHexKeyA}}));
  std::map<std::string, std::string> payloads;
  for (int i = 0; i < 10; ++i) {
    payloads["conn-" + std::to_string(i)] = "payload " + std::to_string(i);
  }
  payloads["empty"] = "";
  for (const auto& [id, payload] : payloads) {
    put_or_fail(key_of("acct-1", id), payload);
  }

  auto new_key = hex_decode(kHexKeyB);
  ASSERT_TRUE(new_key.ok());
  ASSERT_TRUE(store_->rotate_key(SecretBytes(*new_key)).ok());
  for (const auto& [id, payload] : payloads) {
    expect_payload(key_of("acct-1", id), payload);
  }
  store_.reset();

  auto old_key = LocalSecretsStore::open(options({{std::string(kLocalKeyEnvVar), kHexKeyA}}));
  ASSERT_FALSE(old_key.ok());
  EXPECT_EQ(old_key.status().code(), StatusCode::kFailedPrecondition);

  ASSERT_NO_FATAL_FAILURE(open_or_fail({{std::string(kLocalKeyEnvVar), kHexKeyB}}));
  for (const auto& [id, payload] : payloads) {
    expect_payload(key_of("acct-1", id), payload);
  }
  EXPECT_EQ(store_->rotate_key(SecretBytes("short")).code(), StatusCode::kInvalidArgument);
}

TEST_F(LocalSecretsStoreTest, RotationWithCorruptRowChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(open_or_fail({{std::string(kLocalKeyEnvVar), kHexKeyA}}));
  put_or_fail(key_of("acct-1", "good"), "good payload");
  put_or_fail(key_of("acct-1", "bad"), "bad payload");
  {
    SQLite::Database db((dir_ / "secrets.db").string(), SQLite::OPEN_READWRITE);
    db.exec("UPDATE secrets SET version_id = 'tampered' WHERE name LIKE '%/bad'");
  }

  auto new_key = hex_decode(kHexKeyB);
  ASSERT_TRUE(new_key.ok());
  Status rotated = store_->rotate_key(SecretBytes(*new_key));
  EXPECT_EQ(rotated.code(), StatusCode::kInternal);
  expect_payload(key_of("acct-1", "good"), "good payload");
  store_.reset();
  ASSERT_NO_FATAL_FAILURE(open_or_fail({{std::string(kLocalKeyEnvVar), kHexKeyA}}));
  expect_payload(key_of("acct-1", "good"), "good payload");
}

TEST_F(LocalSecretsStoreTest, ConcurrentPutAndGet) {
  ASSERT_NO_FATAL_FAILURE(open_or_fail());
  constexpr int kThreads = 4;
  constexpr int kRounds = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t]() {
      for (int round = 0; round < kRounds; ++round) {
        const SecretKey key =
            key_of("acct-" + std::to_string(t), "conn-" + std::to_string(round % 5));
        const std::string payload =
            "thread " + std::to_string(t) + " round " + std::to_string(round);
        auto version = store_->put(key, SecretBytes(payload));
        ASSERT_TRUE(version.ok()) << version.status();
        auto read = store_->get(key);
        ASSERT_TRUE(read.ok()) << read.status();
        ASSERT_TRUE(read->has_value());
        // Each thread owns its account, so it reads its own last write.
        ASSERT_EQ((*read)->expose(), payload);
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  for (int t = 0; t < kThreads; ++t) {
    auto keys = store_->list_for_account("acct-" + std::to_string(t));
    ASSERT_TRUE(keys.ok()) << keys.status();
    EXPECT_EQ(keys->size(), 5u);
  }
}

TEST_F(LocalSecretsStoreTest, FactoryOpensLocalByDefault) {
  Config config;
  auto store = open_secrets_store(config, dir_.string(), fake_env({}));
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->backend_name(), "local");
  EXPECT_TRUE((*store)->check_ready().ok());
  EXPECT_TRUE(fs::exists(dir_ / "secrets.db"));
  EXPECT_TRUE(fs::exists(dir_ / "secrets.key"));
}

TEST_F(LocalSecretsStoreTest, FactoryUsesConfiguredKeyFile) {
  Config config;
  const fs::path key_file = dir_ / "elsewhere.key";
  config.set(std::string(kLocalKeyFileKey), key_file.string());
  auto store = open_secrets_store(config, dir_.string(), fake_env({}));
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE(fs::exists(key_file));
  EXPECT_FALSE(fs::exists(dir_ / "secrets.key"));
}

TEST_F(LocalSecretsStoreTest, FactoryRejectsUnknownBackend) {
  Config config;
  config.set(std::string(kBackendKey), "vault");
  auto store = open_secrets_store(config, dir_.string(), fake_env({}));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(store.status().message().find("'vault'"), std::string::npos) << store.status();
  EXPECT_NE(store.status().message().find("local, aws"), std::string::npos) << store.status();
}

}  // namespace
}  // namespace floecat::secrets
