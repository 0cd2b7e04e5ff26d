#include "catalog/account_service.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "catalog_test_support.h"

namespace floecat::catalog {
namespace {

using nlohmann::json;
using testing_support::CatalogTest;
using testing_support::FailingSecretsStore;
using Operation = FailingSecretsStore::Operation;

class AccountServiceTest : public CatalogTest {
 protected:
  // Gives `account` one connector and one storage authority, both with
  // credentials.
  void populate(std::string_view account) {
    json connector = {{"display_name", "c"},
                      {"kind", "glue"},
                      {"uri", "https://glue.example.test"},
                      {"auth", {{"credentials", {{"type", "bearer"}, {"token", "T"}}}}}};
    ok_or_fail(catalog_->connectors().create(account, connector.dump()));
    json authority = {
        {"display_name", "a"},
        {"location_prefix", "s3://bucket/" + std::string(account)},
        {"credentials", {{"type", "aws"}, {"access_key_id", "A"}, {"secret_access_key", "S"}}}};
    ok_or_fail(catalog_->storage_authorities().create(account, authority.dump()));
  }
};

TEST_F(AccountServiceTest, CreateGetList) {
  json created =
      ok_or_fail(catalog_->accounts().create(R"({"id": "acme", "display_name": "Acme Corp"})"));
  EXPECT_EQ(created["id"], "acme");
  EXPECT_EQ(created["display_name"], "Acme Corp");
  EXPECT_EQ(created["etag"], "\"1\"");
  EXPECT_EQ(created["created_at"], "1970-01-01T00:00:01.000Z");
  EXPECT_EQ(ok_or_fail(catalog_->accounts().get("acme")), created);
  ok_or_fail(catalog_->accounts().create(R"({"id": "beta", "display_name": "Beta"})"));
  json listed = ok_or_fail(catalog_->accounts().list());
  ASSERT_EQ(listed["accounts"].size(), 2u);
  EXPECT_EQ(listed["accounts"][0]["id"], "acme");
  EXPECT_TRUE(catalog_->accounts().check_exists("beta").ok());
  EXPECT_EQ(catalog_->accounts().check_exists("gamma").code(), StatusCode::kNotFound);
}

TEST_F(AccountServiceTest, CreateRejectsBadInput) {
  struct Case {
    std::string body;
    StatusCode code;
    std::string message;
  };

  create_account("acme");
  const Case cases[] = {
      {R"({"display_name": "x"})", StatusCode::kInvalidArgument, "id"},
      {R"({"id": "a/b", "display_name": "x"})", StatusCode::kInvalidArgument, "id"},
      {R"({"id": "..", "display_name": "x"})", StatusCode::kInvalidArgument, "id"},
      {R"({"id": 5, "display_name": "x"})", StatusCode::kInvalidArgument, "id must be a string"},
      {R"({"id": "b"})", StatusCode::kInvalidArgument, "display_name is required"},
      {R"({"id": "b", "display_name": "x", "owner": "me"})", StatusCode::kInvalidArgument,
       "unknown field owner"},
      {R"({"id": "acme", "display_name": "other"})", StatusCode::kAlreadyExists, ""},
      {R"({"id": "b", "display_name": "Account acme"})", StatusCode::kAlreadyExists, ""},
      {"", StatusCode::kInvalidArgument, "request body is not valid JSON"},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.body);
    auto created = catalog_->accounts().create(test.body);
    ASSERT_FALSE(created.ok());
    EXPECT_EQ(created.status().code(), test.code);
    EXPECT_NE(created.status().message().find(test.message), std::string::npos)
        << created.status().message();
  }
}

TEST_F(AccountServiceTest, DeleteRemovesEverythingOfThatAccountOnly) {
  create_account("acme");
  create_account("other");
  populate("acme");
  populate("other");
  ASSERT_EQ(secret_count("acme"), 2u);

  // An orphan left by an earlier failure goes too.
  auto orphan = secrets::SecretKey::make("acme", secrets::kConnectorsType, "gone");
  ASSERT_TRUE(orphan.ok());
  ASSERT_TRUE(local_secrets_->put(*orphan, SecretBytes("{}")).ok());

  Status removed = catalog_->accounts().remove("acme");
  ASSERT_TRUE(removed.ok()) << removed;
  EXPECT_EQ(secret_count("acme"), 0u);
  EXPECT_EQ(catalog_->accounts().get("acme").status().code(), StatusCode::kNotFound);
  for (std::string_view kind : {records::kConnectorKind, records::kStorageAuthorityKind}) {
    auto left = records_->list(kind, "acme");
    ASSERT_TRUE(left.ok());
    EXPECT_TRUE(left->empty());
  }

  EXPECT_EQ(secret_count("other"), 2u);
  EXPECT_EQ(ok_or_fail(catalog_->connectors().list("other"))["connectors"].size(), 1u);
  EXPECT_EQ(ok_or_fail(catalog_->storage_authorities().list("other"))["storage_authorities"].size(),
            1u);
  EXPECT_EQ(catalog_->accounts().remove("acme").code(), StatusCode::kNotFound);
}

TEST_F(AccountServiceTest, InterruptedDeleteCanBeFinished) {
  create_account("acme");
  populate("acme");
  secrets_->fail(Operation::kRemove, 2);
  Status first = catalog_->accounts().remove("acme");
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.code(), StatusCode::kUnavailable);
  // The account stays visible, so the delete can be repeated.
  EXPECT_TRUE(catalog_->accounts().get("acme").ok());
  EXPECT_EQ(secret_count("acme"), 1u);

  Status second = catalog_->accounts().remove("acme");
  ASSERT_TRUE(second.ok()) << second;
  EXPECT_EQ(secret_count("acme"), 0u);
}

TEST_F(AccountServiceTest, SweepRemovesOnlyOrphans) {
  create_account("acme");
  create_account("other");
  populate("acme");
  populate("other");

  auto connectors = ok_or_fail(catalog_->connectors().list("acme"));
  std::string connector_id = connectors["connectors"][0]["id"];
  // Remove the record behind the store's back, as a crash between the two
  // deletes would.
  ASSERT_TRUE(records_->remove(records::kConnectorKind, "acme", connector_id, std::nullopt).ok());
  // A secret of a type the catalog does not own stays.
  auto foreign = secrets::SecretKey::make("other", "tables", "t1");
  ASSERT_TRUE(foreign.ok());
  ASSERT_TRUE(local_secrets_->put(*foreign, SecretBytes("x")).ok());
  // A record whose secret vanished is reported.
  auto authorities = ok_or_fail(catalog_->storage_authorities().list("other"));
  auto missing =
      secrets::SecretKey::make("other", secrets::kStorageAuthoritiesType,
                               authorities["storage_authorities"][0]["id"].get<std::string>());
  ASSERT_TRUE(missing.ok());
  ASSERT_TRUE(local_secrets_->remove(*missing).ok());

  auto report = catalog_->sweep_orphan_secrets();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->secrets_removed, 1);
  EXPECT_EQ(report->records_missing_secret, 1);
  EXPECT_EQ(secret_count("acme"), 1u);
  EXPECT_EQ(secret_count("other"), 2u);

  auto again = catalog_->sweep_orphan_secrets();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->secrets_removed, 0);
}

}  // namespace
}  // namespace floecat::catalog
