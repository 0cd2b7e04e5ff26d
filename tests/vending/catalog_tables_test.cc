// Namespace and table records as the Iceberg routes use them, against a
// real SQLite record store.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "catalog/account_service.h"
#include "catalog/namespace_service.h"
#include "catalog/table_service.h"
#include "records/sqlite_record_store.h"
#include "secrets/local_secrets_store.h"

namespace floecat::catalog {
namespace {

using nlohmann::json;

class CatalogTablesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("floecat-tables-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory_);
    auto records = records::SqliteRecordStore::open((directory_ / "records.db").string());
    ASSERT_TRUE(records.ok()) << records.status();
    records_ = std::move(*records);
    secrets::LocalSecretsStoreOptions options;
    options.database_path = (directory_ / "secrets.db").string();
    options.key_file_path = (directory_ / "secrets.key").string();
    options.env = [](const std::string&) { return std::optional<std::string>(); };
    auto store = secrets::LocalSecretsStore::open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    secrets_ = std::move(*store);
    accounts_ = std::make_unique<AccountService>(*secrets_, *records_, SystemClock::instance());
    namespaces_ = std::make_unique<NamespaceService>(*records_, SystemClock::instance());
    tables_ = std::make_unique<TableService>(*records_, *namespaces_);
    ASSERT_TRUE(accounts_->create(R"({"id": "acme", "display_name": "Acme"})").ok());
  }

  void TearDown() override {
    tables_.reset();
    namespaces_.reset();
    accounts_.reset();
    records_.reset();
    secrets_.reset();
    std::filesystem::remove_all(directory_);
  }

  void create_namespace(const json& levels) {
    Result<json> created = namespaces_->create("acme", json{{"namespace", levels}}.dump());
    ASSERT_TRUE(created.ok()) << created.status();
  }

  Status register_table(const NamespaceName& name, const std::string& table) {
    TableRegistration registration{name, table, "s3://lake/t/metadata/v1.metadata.json",
                                   json{{"location", "s3://lake/" + table}}};
    return tables_->register_table("acme", registration).status();
  }

  std::filesystem::path directory_;
  std::unique_ptr<records::RecordStore> records_;
  std::unique_ptr<secrets::SecretsStore> secrets_;
  std::unique_ptr<AccountService> accounts_;
  std::unique_ptr<NamespaceService> namespaces_;
  std::unique_ptr<TableService> tables_;
};

TEST(NamespacePath, SplitsOnUnitSeparator) {
  Result<NamespaceName> name = parse_namespace_path("namespace",
                                                    "a\x1f"
                                                    "b.c\x1f"
                                                    "d");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(*name, (NamespaceName{"a", "b.c", "d"}));
  EXPECT_EQ(join_namespace(*name),
            "a\x1f"
            "b.c\x1f"
            "d");
}

TEST(NamespacePath, RejectsEmptyAndControlLevels) {
  for (std::string_view bad : {"", "a\x1f",
                               "\x1f"
                               "a",
                               "a\x1f\x1f"
                               "b",
                               "a\nb"}) {
    Result<NamespaceName> name = parse_namespace_path("namespace", bad);
    EXPECT_FALSE(name.ok()) << bad;
    if (!name.ok()) {
      EXPECT_EQ(name.status().code(), StatusCode::kInvalidArgument);
    }
  }
  EXPECT_FALSE(parse_namespace_path("namespace", std::string(256, 'x')).ok());
}

TEST_F(CatalogTablesTest, ListsDirectChildrenOnly) {
  create_namespace({"a"});
  create_namespace({"a", "b"});
  create_namespace({"a", "b", "c"});
  create_namespace({"z"});
  Result<json> top = namespaces_->list("acme", std::nullopt);
  ASSERT_TRUE(top.ok());
  EXPECT_EQ((*top)["namespaces"], json::array({json::array({"a"}), json::array({"z"})}));
  Result<json> children = namespaces_->list("acme", NamespaceName{"a"});
  ASSERT_TRUE(children.ok());
  EXPECT_EQ((*children)["namespaces"], json::array({json::array({"a", "b"})}));
}

TEST_F(CatalogTablesTest, ChildNeedsParent) {
  Result<json> orphan = namespaces_->create("acme", R"({"namespace": ["x", "y"]})");
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.status().code(), StatusCode::kNotFound);
  EXPECT_NE(orphan.status().message().find("namespace x does not exist"), std::string::npos)
      << orphan.status();
}

TEST_F(CatalogTablesTest, DropRefusesNonEmptyNamespace) {
  create_namespace({"a"});
  create_namespace({"a", "b"});
  ASSERT_TRUE(register_table({"a", "b"}, "t").ok());
  Status child = namespaces_->remove("acme", {"a"});
  EXPECT_EQ(child.code(), StatusCode::kFailedPrecondition);
  Status with_table = namespaces_->remove("acme", {"a", "b"});
  EXPECT_EQ(with_table.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(with_table.message().find("tables"), std::string::npos);
  ASSERT_TRUE(tables_->remove("acme", {"a", "b"}, "t").ok());
  EXPECT_TRUE(namespaces_->remove("acme", {"a", "b"}).ok());
  EXPECT_TRUE(namespaces_->remove("acme", {"a"}).ok());
}

TEST_F(CatalogTablesTest, TablesListPerNamespace) {
  create_namespace({"a"});
  create_namespace({"a", "b"});
  ASSERT_TRUE(register_table({"a"}, "t1").ok());
  ASSERT_TRUE(register_table({"a", "b"}, "t2").ok());
  Result<json> listed = tables_->list("acme", {"a"});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ((*listed)["identifiers"], json::parse(R"([{"namespace": ["a"], "name": "t1"}])"));
  EXPECT_EQ(register_table({"a"}, "t1").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(register_table({"nope"}, "t").code(), StatusCode::kNotFound);
}

TEST_F(CatalogTablesTest, MetadataNeedsLocation) {
  create_namespace({"a"});
  TableRegistration registration{{"a"}, "t", "s3://lake/m.json", json{{"format-version", 2}}};
  Result<json> stored = tables_->register_table("acme", registration);
  ASSERT_FALSE(stored.ok());
  EXPECT_EQ(stored.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(stored.status().message().find("s3://lake/m.json"), std::string::npos);
  registration.metadata = json{{"location", "file:///tmp/t"}};
  EXPECT_EQ(tables_->register_table("acme", registration).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(CatalogTablesTest, AccountDeleteRemovesNamespacesAndTables) {
  create_namespace({"a"});
  ASSERT_TRUE(register_table({"a"}, "t").ok());
  ASSERT_TRUE(accounts_->remove("acme").ok());
  EXPECT_TRUE(records_->list(records::kNamespaceKind, "acme")->empty());
  EXPECT_TRUE(records_->list(records::kTableKind, "acme")->empty());
}

}  // namespace
}  // namespace floecat::catalog
