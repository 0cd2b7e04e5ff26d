#include "records/sqlite_record_store.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/ids.h"

namespace floecat::records {
namespace {

namespace fs = std::filesystem;

class SqliteRecordStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("floecat-records-" + new_uuid());
    fs::create_directories(dir_);
    store_ = open_store();
  }

  void TearDown() override {
    store_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::unique_ptr<SqliteRecordStore> open_store() {
    auto store = SqliteRecordStore::open((dir_ / "records.db").string(), clock_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  static Record connector(std::string account, std::string id, std::string name) {
    Record record;
    record.kind = std::string(kConnectorKind);
    record.account_id = std::move(account);
    record.id = std::move(id);
    record.display_name = std::move(name);
    record.body = R"({"uri":"https://example.test"})";
    return record;
  }

  Record create_or_fail(Record record) {
    auto created = store_->create(std::move(record));
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? std::move(created).value() : Record();
  }

  fs::path dir_;
  ManualClock clock_{std::chrono::system_clock::time_point(std::chrono::milliseconds(1000))};
  std::unique_ptr<SqliteRecordStore> store_;
};

TEST(Etag, RoundTrip) {
  EXPECT_EQ(etag_for(3), "\"3\"");
  auto version = version_from_etag("\"3\"");
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, 3);
  auto large = version_from_etag(etag_for(9007199254740993));
  ASSERT_TRUE(large.ok()) << large.status();
  EXPECT_EQ(*large, 9007199254740993);
}

TEST(Etag, MalformedValuesRejected) {
  for (const char* value : {"*", "", "3", "\"\"", "\"0\"", "\"-1\"", "\"03\"", "\"3a\"", "W/\"3\"",
                            "\"99999999999999999999\"", "\" 3\""}) {
    SCOPED_TRACE(value);
    auto version = version_from_etag(value);
    ASSERT_FALSE(version.ok());
    EXPECT_EQ(version.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(version.status().message().find("If-Match"), std::string::npos) << version.status();
  }
}

TEST_F(SqliteRecordStoreTest, CreateThenGet) {
  Record created = create_or_fail(connector("a1", "c1", "warehouse"));
  EXPECT_EQ(created.version, 1);
  EXPECT_EQ(created.created_at_ms, 1000);
  EXPECT_EQ(created.updated_at_ms, 1000);

  auto fetched = store_->get(kConnectorKind, "a1", "c1");
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  EXPECT_EQ(fetched->kind, kConnectorKind);
  EXPECT_EQ(fetched->account_id, "a1");
  EXPECT_EQ(fetched->id, "c1");
  EXPECT_EQ(fetched->display_name, "warehouse");
  EXPECT_EQ(fetched->body, created.body);
  EXPECT_EQ(fetched->version, 1);

  auto by_name = store_->get_by_name(kConnectorKind, "a1", "warehouse");
  ASSERT_TRUE(by_name.ok()) << by_name.status();
  EXPECT_EQ(by_name->id, "c1");
}

TEST_F(SqliteRecordStoreTest, MissingRecordIsNotFound) {
  auto fetched = store_->get(kConnectorKind, "a1", "nope");
  EXPECT_EQ(fetched.status().code(), StatusCode::kNotFound);
  EXPECT_NE(fetched.status().message().find("nope"), std::string::npos);
  EXPECT_EQ(store_->get_by_name(kConnectorKind, "a1", "nope").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->get_by_name(kConnectorKind, "a1", "").status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteRecordStoreTest, RecordsAreScopedByAccountAndKind) {
  create_or_fail(connector("a1", "c1", "shared"));
  EXPECT_EQ(store_->get(kConnectorKind, "a2", "c1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->get(kStorageAuthorityKind, "a1", "c1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->get_by_name(kConnectorKind, "a2", "shared").status().code(),
            StatusCode::kNotFound);
}

TEST_F(SqliteRecordStoreTest, DuplicateIdRejected) {
  create_or_fail(connector("a1", "c1", "first"));
  auto again = store_->create(connector("a1", "c1", "second"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(again.status().message(), "connector 'c1' in account 'a1' already exists");
}

TEST_F(SqliteRecordStoreTest, DuplicateDisplayNameRejected) {
  create_or_fail(connector("a1", "c1", "warehouse"));
  auto clash = store_->create(connector("a1", "c2", "warehouse"));
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(clash.status().message(),
            "display name 'warehouse' is already used by connector c1 in account a1");
  EXPECT_EQ(store_->get(kConnectorKind, "a1", "c2").status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteRecordStoreTest, DisplayNameReusableAcrossAccountsAndKinds) {
  create_or_fail(connector("a1", "c1", "warehouse"));
  create_or_fail(connector("a2", "c1", "warehouse"));
  Record authority = connector("a1", "c1", "warehouse");
  authority.kind = std::string(kStorageAuthorityKind);
  create_or_fail(authority);
}

TEST_F(SqliteRecordStoreTest, EmptyDisplayNamesDoNotClash) {
  create_or_fail(connector("a1", "c1", ""));
  create_or_fail(connector("a1", "c2", ""));
  auto records = store_->list(kConnectorKind, "a1");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_EQ(records->size(), 2u);
}

TEST_F(SqliteRecordStoreTest, ListOrdersByDisplayNameThenId) {
  create_or_fail(connector("a1", "c3", "beta"));
  create_or_fail(connector("a1", "c2", "alpha"));
  create_or_fail(connector("a1", "c9", ""));
  create_or_fail(connector("a1", "c1", ""));
  create_or_fail(connector("a2", "c0", "aardvark"));

  auto records = store_->list(kConnectorKind, "a1");
  ASSERT_TRUE(records.ok()) << records.status();
  std::vector<std::string> ids;
  for (const Record& record : *records) {
    ids.push_back(record.id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"c1", "c9", "c2", "c3"}));
}

TEST_F(SqliteRecordStoreTest, UpdateComparesVersion) {
  create_or_fail(connector("a1", "c1", "warehouse"));
  clock_.advance(std::chrono::milliseconds(500));

  Record change = connector("a1", "c1", "lake");
  change.body = R"({"uri":"https://other.test"})";
  auto updated = store_->update(change, 1);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->display_name, "lake");
  EXPECT_EQ(updated->body, change.body);
  EXPECT_EQ(updated->created_at_ms, 1000);
  EXPECT_EQ(updated->updated_at_ms, 1500);

  auto stale = store_->update(change, 1);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(stale.status().message().rfind("etag mismatch: ", 0), 0u) << stale.status();
  EXPECT_NE(stale.status().message().find("version 2"), std::string::npos) << stale.status();

  auto stored = store_->get(kConnectorKind, "a1", "c1");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->version, 2);
  EXPECT_EQ(store_->get_by_name(kConnectorKind, "a1", "warehouse").status().code(),
            StatusCode::kNotFound);
}

TEST_F(SqliteRecordStoreTest, UpdateMissingIsNotFound) {
  auto updated = store_->update(connector("a1", "ghost", "x"), 1);
  EXPECT_EQ(updated.status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteRecordStoreTest, UpdateIntoTakenDisplayNameRejected) {
  create_or_fail(connector("a1", "c1", "warehouse"));
  create_or_fail(connector("a1", "c2", "lake"));
  auto clash = store_->update(connector("a1", "c2", "warehouse"), 1);
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(clash.status().message(),
            "display name 'warehouse' is already used by connector c1 in account a1");

  auto unchanged = store_->get(kConnectorKind, "a1", "c2");
  ASSERT_TRUE(unchanged.ok()) << unchanged.status();
  EXPECT_EQ(unchanged->version, 1);
  EXPECT_EQ(unchanged->display_name, "lake");
}

TEST_F(SqliteRecordStoreTest, RemoveWithAndWithoutVersion) {
  create_or_fail(connector("a1", "c1", "one"));
  create_or_fail(connector("a1", "c2", "two"));

  Status stale = store_->remove(kConnectorKind, "a1", "c1", 7);
  EXPECT_EQ(stale.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(store_->get(kConnectorKind, "a1", "c1").ok());

  EXPECT_TRUE(store_->remove(kConnectorKind, "a1", "c1", 1).ok());
  EXPECT_EQ(store_->get(kConnectorKind, "a1", "c1").status().code(), StatusCode::kNotFound);

  EXPECT_TRUE(store_->remove(kConnectorKind, "a1", "c2", std::nullopt).ok());
  EXPECT_EQ(store_->remove(kConnectorKind, "a1", "c2", std::nullopt).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->remove(kConnectorKind, "a1", "c2", 1).code(), StatusCode::kNotFound);

  // The display name is free again once its record is gone.
  create_or_fail(connector("a1", "c3", "one"));
}

TEST_F(SqliteRecordStoreTest, InvalidKeysRejected) {
  EXPECT_EQ(store_->create(connector("", "c1", "x")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->create(connector("a1", " ", "x")).status().code(),
            StatusCode::kInvalidArgument);
  Record account = connector("a1", "a1", "x");
  account.kind = std::string(kAccountKind);
  auto rejected = store_->create(account);
  EXPECT_EQ(rejected.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(rejected.status().message().find("account_id must be empty"), std::string::npos)
      << rejected.status();
  EXPECT_EQ(store_->update(connector("a1", "c1", "x"), 0).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(SqliteRecordStoreTest, AccountsLiveUnderEmptyAccountId) {
  Record account;
  account.kind = std::string(kAccountKind);
  account.id = "acme";
  account.display_name = "Acme";
  account.body = "{}";
  create_or_fail(account);
  create_or_fail(connector("acme", "c1", "one"));
  create_or_fail(connector("zeta", "c1", "one"));

  auto fetched = store_->get(kAccountKind, "", "acme");
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  EXPECT_EQ(fetched->display_name, "Acme");

  Record same_name = account;
  same_name.id = "other";
  auto clash = store_->create(same_name);
  EXPECT_EQ(clash.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(clash.status().message(), "display name 'Acme' is already used by account acme");

  auto accounts = store_->list_accounts();
  ASSERT_TRUE(accounts.ok()) << accounts.status();
  EXPECT_EQ(*accounts, (std::vector<std::string>{"acme", "zeta"}));
}

TEST_F(SqliteRecordStoreTest, RemoveAllKeepsOtherAccounts) {
  Record account;
  account.kind = std::string(kAccountKind);
  account.id = "a1";
  account.body = "{}";
  create_or_fail(account);
  create_or_fail(connector("a1", "c1", "one"));
  Record authority = connector("a1", "s1", "bucket");
  authority.kind = std::string(kStorageAuthorityKind);
  create_or_fail(authority);
  create_or_fail(connector("a2", "c1", "one"));

  auto removed = store_->remove_all("a1");
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(*removed, 2);
  EXPECT_EQ(store_->get(kConnectorKind, "a1", "c1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->get(kStorageAuthorityKind, "a1", "s1").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->get(kAccountKind, "", "a1").ok());
  EXPECT_TRUE(store_->get(kConnectorKind, "a2", "c1").ok());
  EXPECT_EQ(store_->remove_all("").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SqliteRecordStoreTest, ReopenKeepsData) {
  create_or_fail(connector("a1", "c1", "warehouse"));
  ASSERT_TRUE(store_->update(connector("a1", "c1", "lake"), 1).ok());
  store_.reset();

  store_ = open_store();
  ASSERT_NE(store_, nullptr);
  auto fetched = store_->get(kConnectorKind, "a1", "c1");
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  EXPECT_EQ(fetched->version, 2);
  EXPECT_EQ(fetched->display_name, "lake");
  EXPECT_TRUE(store_->check_ready().ok());
}

TEST_F(SqliteRecordStoreTest, NewerSchemaRejected) {
  store_.reset();
  {
    auto store = SqliteRecordStore::open((dir_ / "records.db").string(), clock_);
    ASSERT_TRUE(store.ok());
  }
  {
    // Raise the schema version the way a later release would.
    SQLite::Database db((dir_ / "records.db").string(), SQLite::OPEN_READWRITE);
    db.exec("PRAGMA user_version = 99");
  }

  auto reopened = SqliteRecordStore::open((dir_ / "records.db").string(), clock_);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(reopened.status().message().find("schema version 99"), std::string::npos)
      << reopened.status();
}

TEST_F(SqliteRecordStoreTest, UnopenablePathIsUnavailable) {
  auto store = SqliteRecordStore::open((dir_ / "missing-dir" / "records.db").string(), clock_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(store.status().message().find("missing-dir"), std::string::npos) << store.status();
}

// Races two compare-and-swap updates from the same version, many rounds,
// first through one shared store and then through two connections to one
// file. Exactly one update must win every round.
TEST_F(SqliteRecordStoreTest, ConcurrentUpdatesOneWins) {
  auto second = open_store();
  ASSERT_NE(second, nullptr);
  create_or_fail(connector("a1", "c1", "start"));

  for (bool separate_connections : {false, true}) {
    SCOPED_TRACE(separate_connections ? "two connections" : "one connection");
    for (int round = 0; round < 50; ++round) {
      auto current = store_->get(kConnectorKind, "a1", "c1");
      ASSERT_TRUE(current.ok()) << current.status();
      const std::int64_t expected = current->version;

      std::atomic<int> winners{0};
      std::atomic<int> conflicts{0};
      std::atomic<bool> go{false};
      auto racer = [&](RecordStore* store, std::string name) {
        while (!go.load()) {
          std::this_thread::yield();
        }
        auto result = store->update(connector("a1", "c1", name), expected);
        if (result.ok()) {
          ++winners;
        } else if (result.status().code() == StatusCode::kFailedPrecondition) {
          ++conflicts;
        } else {
          ADD_FAILURE() << result.status();
        }
      };
      RecordStore* other = separate_connections ? second.get() : store_.get();
      std::thread left(racer, store_.get(), "left");
      std::thread right(racer, other, "right");
      go = true;
      left.join();
      right.join();

      ASSERT_EQ(winners.load(), 1) << "round " << round;
      ASSERT_EQ(conflicts.load(), 1) << "round " << round;
      auto after = store_->get(kConnectorKind, "a1", "c1");
      ASSERT_TRUE(after.ok()) << after.status();
      ASSERT_EQ(after->version, expected + 1);
    }
  }
}

}  // namespace
}  // namespace floecat::records
