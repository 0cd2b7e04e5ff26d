#include "catalog/storage_authority_service.h"

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

json authority(std::string_view name, std::string_view prefix) {
  return {{"display_name", name},
          {"location_prefix", prefix},
          {"region", "eu-west-1"},
          {"endpoint", "http://127.0.0.1:9000"},
          {"path_style_access", true},
          {"assume_role_arn", "arn:aws:iam::123456789012:role/data/reader"},
          {"assume_role_external_id", "EXTERNAL-CANARY"},
          {"assume_role_session_name", "floecat-reader"},
          {"duration_seconds", 1800},
          {"credentials",
           {{"type", "aws"},
            {"access_key_id", "AKIA-SA-CANARY"},
            {"secret_access_key", "SECRET-SA-CANARY"}}}};
}

class StorageAuthorityServiceTest : public CatalogTest {
 protected:
  void SetUp() override {
    CatalogTest::SetUp();
    create_account("acme");
  }

  StorageAuthorityService& authorities() { return catalog_->storage_authorities(); }

  json create_or_fail(const json& body) {
    return ok_or_fail(authorities().create("acme", body.dump()));
  }

  json resolve_or_fail(std::string_view location) {
    return ok_or_fail(authorities().resolve("acme", json{{"location", location}}.dump()));
  }
};

TEST_F(StorageAuthorityServiceTest, CreateNormalisesAndMasks) {
  json created = create_or_fail(authority("lake", "S3A://lake/warehouse/"));
  std::string id = created["id"];
  EXPECT_EQ(created["location_prefix"], "s3://lake/warehouse");
  EXPECT_EQ(created["type"], "s3");
  EXPECT_EQ(created["enabled"], true);
  EXPECT_EQ(created["assume_role_external_id"], "****");
  EXPECT_EQ(created["assume_role_arn"], "arn:aws:iam::123456789012:role/data/reader");
  EXPECT_EQ(created["credentials"]["type"], "aws");
  EXPECT_EQ(created["credentials"]["stored"], true);
  EXPECT_EQ(created["credentials"]["access_key_id"], "****");
  EXPECT_EQ(created["etag"], "\"1\"");

  std::string listed = ok_or_fail(authorities().list("acme")).dump();
  std::string fetched = ok_or_fail(authorities().get("acme", "lake")).dump();
  std::string stored = records_file_bytes();
  for (const std::string& text : {created.dump(), listed, fetched}) {
    EXPECT_EQ(text.find("EXTERNAL-CANARY"), std::string::npos);
    EXPECT_EQ(text.find("SA-CANARY"), std::string::npos);
  }
  EXPECT_EQ(stored.find("SA-CANARY"), std::string::npos);

  auto payload = secret_text("acme", secrets::kStorageAuthoritiesType, id);
  ASSERT_TRUE(payload.has_value());
  EXPECT_NE(payload->find("SECRET-SA-CANARY"), std::string::npos);
}

TEST_F(StorageAuthorityServiceTest, RejectsBadFields) {
  struct Case {
    std::string field;
    json value;
    std::string message;
  };

  const Case cases[] = {
      {"location_prefix", "lake/x", "location_prefix must start with a scheme"},
      {"location_prefix", "s3://lake/../x", "location_prefix must not contain '.' or '..'"},
      {"location_prefix", "s3:///x", "location_prefix must name a bucket"},
      {"location_prefix", nullptr, "location_prefix is required"},
      {"type", "gcs", "type must be s3"},
      {"region", "EU West", "region must contain only"},
      {"endpoint", "ftp://x", "endpoint must be an http:// or https:// URL"},
      {"sts_endpoint", "https://", "sts_endpoint must be an http:// or https:// URL"},
      {"endpoint", "https://minio:pw@minio.example.test/", "endpoint must not contain a user"},
      {"sts_endpoint", "https://user@sts.example.test", "sts_endpoint must not contain a user"},
      {"sts_endpoint", "http://169.254.169.254/", "sts_endpoint must not point at a link-local"},
      {"endpoint", "http://[fd00:ec2::254]/", "endpoint must not point at a link-local"},
      {"path_style_access", "yes", "path_style_access must be a boolean"},
      {"enabled", 1, "enabled must be a boolean"},
      {"assume_role_arn", "arn:aws:iam::12345:role/r", "assume_role_arn must look like"},
      {"assume_role_arn", "arn:aws:iam::123456789012:user/r", "assume_role_arn must look like"},
      {"assume_role_arn", "arn:aws:iam::123456789012:role/", "assume_role_arn must look like"},
      {"assume_role_session_name", "x", "assume_role_session_name must be 2 to 64"},
      {"assume_role_session_name", std::string(65, 'a'),
       "assume_role_session_name must be 2 to 64"},
      {"assume_role_session_name", "bad name", "assume_role_session_name must be 2 to 64"},
      {"assume_role_external_id", "****", "assume_role_external_id is the mask"},
      {"assume_role_external_id", "a b", "assume_role_external_id must be 2 to 1224"},
      {"duration_seconds", 600, "duration_seconds must be an integer between 900 and 43200"},
      {"duration_seconds", 50000, "duration_seconds must be an integer between 900 and 43200"},
      {"credentials", json{{"type", "bearer"}, {"token", "t"}},
       "credentials.type must be one of aws, aws-assume-role, aws-web-identity"},
      {"properties", json::object(), "unknown field properties"},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.field + " = " + test.value.dump());
    json body = authority("lake", "s3://lake/x");
    body[test.field] = test.value;
    auto created = authorities().create("acme", body.dump());
    ASSERT_FALSE(created.ok());
    EXPECT_EQ(created.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(created.status().message().find(test.message), std::string::npos)
        << created.status().message();
  }
  EXPECT_EQ(secret_count("acme"), 0u);
}

TEST_F(StorageAuthorityServiceTest, AcceptsEveryAllowedCredentialType) {
  json web_identity = authority("web", "s3://lake/web");
  web_identity["credentials"] = {{"type", "aws-web-identity"},
                                 {"role_arn", "arn:aws:iam::123456789012:role/web"},
                                 {"properties", {{"aws.web_identity_token", "WEB-CANARY"}}}};
  json assume = authority("assume", "s3://lake/assume");
  assume["credentials"] = {{"type", "aws-assume-role"},
                           {"role_arn", "arn:aws:iam::123456789012:role/src"},
                           {"external_id", "EXT-CANARY"}};
  std::string text = create_or_fail(web_identity).dump() + create_or_fail(assume).dump();
  EXPECT_EQ(text.find("WEB-CANARY"), std::string::npos);
  EXPECT_EQ(text.find("EXT-CANARY"), std::string::npos);
}

TEST_F(StorageAuthorityServiceTest, SamePrefixConflicts) {
  json first = create_or_fail(authority("one", "s3://lake/data"));
  auto second = authorities().create("acme", authority("two", "s3a://lake/data/").dump());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(second.status().message().find(first["id"].get<std::string>()), std::string::npos);
  EXPECT_EQ(secret_count("acme"), 1u);

  json disabled = authority("two", "s3://lake/data");
  disabled["enabled"] = false;
  json created = create_or_fail(disabled);
  auto enable = authorities().update("acme", "two", R"({"enabled": true})", std::nullopt);
  ASSERT_FALSE(enable.ok());
  EXPECT_EQ(enable.status().code(), StatusCode::kAlreadyExists);

  // Updating the first one in place is not a conflict with itself.
  ok_or_fail(authorities().update("acme", "one", R"({"region": "us-east-2"})", std::nullopt));
}

TEST_F(StorageAuthorityServiceTest, ResolvePicksLongestEnabledPrefix) {
  json root = authority("root", "s3://lake/");
  root.erase("endpoint");
  root.erase("path_style_access");
  json root_created = create_or_fail(root);
  json data = create_or_fail(authority("data", "s3://lake/data"));
  json orders_body = authority("orders", "s3://lake/data/orders");
  orders_body["enabled"] = false;
  create_or_fail(orders_body);

  json resolved = resolve_or_fail("s3a://lake/data/orders/part-0.parquet");
  EXPECT_EQ(resolved["authority_id"], data["id"]);
  EXPECT_EQ(resolved["client_safe_config"], json({{"s3.region", "eu-west-1"},
                                                  {"region", "eu-west-1"},
                                                  {"client.region", "eu-west-1"},
                                                  {"s3.endpoint", "http://127.0.0.1:9000"},
                                                  {"s3.path-style-access", "true"}}));
  EXPECT_EQ(resolved["storage_credentials"], json::array());
  EXPECT_EQ(resolved.dump().find("CANARY"), std::string::npos);

  json other = resolve_or_fail("s3://lake/database/x");
  EXPECT_EQ(other["authority_id"], root_created["id"]);
  EXPECT_EQ(
      other["client_safe_config"],
      json({{"s3.region", "eu-west-1"}, {"region", "eu-west-1"}, {"client.region", "eu-west-1"}}));

  ok_or_fail(authorities().update("acme", "orders", R"({"enabled": true})", std::nullopt));
  EXPECT_EQ(resolve_or_fail("s3://lake/data/orders/x")["authority_id"],
            ok_or_fail(authorities().get("acme", "orders"))["id"]);
}

TEST_F(StorageAuthorityServiceTest, ResolveErrors) {
  create_or_fail(authority("data", "s3://lake/data"));

  struct Case {
    json body;
    StatusCode code;
    std::string message;
  };

  const Case cases[] = {
      {json{{"location", "s3://elsewhere/x"}}, StatusCode::kNotFound,
       "no enabled storage authority in account 'acme' covers location s3://elsewhere/x"},
      {json{{"location", "s3://lake/database"}}, StatusCode::kNotFound, "covers location"},
      {json{{"location", "s3://lake/data"}, {"include_credentials", true}},
       StatusCode::kInvalidArgument,
       "include_credentials: this server has no credential vending configured"},
      {json{{"location", "s3://lake/../data"}}, StatusCode::kInvalidArgument,
       "location must not contain '.' or '..'"},
      {json{{"location", "s3://lake/data"}, {"usage", "both"}}, StatusCode::kInvalidArgument,
       "usage must be client or server"},
      {json{{"location", "s3://lake/data"}, {"access", "admin"}}, StatusCode::kInvalidArgument,
       "access must be read or write"},
      {json{{"location", "s3://lake/data"}, {"table", "t"}}, StatusCode::kInvalidArgument,
       "unknown field table"},
      {json::object(), StatusCode::kInvalidArgument, "location is required"},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.body.dump());
    auto resolved = authorities().resolve("acme", test.body.dump());
    ASSERT_FALSE(resolved.ok());
    EXPECT_EQ(resolved.status().code(), test.code);
    EXPECT_NE(resolved.status().message().find(test.message), std::string::npos)
        << resolved.status().message();
  }
  json server = ok_or_fail(authorities().resolve(
      "acme", R"({"location": "s3://lake/data/t", "usage": "server", "access": "write",
                  "include_credentials": false})"));
  EXPECT_TRUE(server.contains("authority_id"));
}

TEST_F(StorageAuthorityServiceTest, UpdateAndRemoveCredentials) {
  json created = create_or_fail(authority("lake", "s3://lake/x"));
  std::string id = created["id"];
  auto before = secret_text("acme", secrets::kStorageAuthoritiesType, id);

  json renamed = ok_or_fail(authorities().update("acme", id, R"({"description": "d"})",
                                                 created["etag"].get<std::string>()));
  EXPECT_EQ(renamed["credentials"], created["credentials"]);
  EXPECT_EQ(secret_text("acme", secrets::kStorageAuthoritiesType, id), before);

  json rotated = ok_or_fail(authorities().update(
      "acme", id,
      R"({"credentials": {"type": "aws", "access_key_id": "A2", "secret_access_key": "S2"}})",
      std::nullopt));
  EXPECT_EQ(rotated["etag"], "\"3\"");
  auto loaded = authorities().load_credentials("acme", id);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->field("secret_access_key"), "S2");

  json cleared =
      ok_or_fail(authorities().update("acme", id, R"({"credentials": null})", std::nullopt));
  EXPECT_FALSE(cleared.contains("credentials"));
  EXPECT_FALSE(secret_text("acme", secrets::kStorageAuthoritiesType, id).has_value());

  json external_cleared = ok_or_fail(
      authorities().update("acme", id, R"({"assume_role_external_id": null})", std::nullopt));
  EXPECT_FALSE(external_cleared.contains("assume_role_external_id"));
}

TEST_F(StorageAuthorityServiceTest, CompensatesFailedWrites) {
  create_or_fail(authority("taken", "s3://lake/taken"));
  auto clash = authorities().create("acme", authority("taken", "s3://lake/other").dump());
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(secret_count("acme"), 1u);

  json created = create_or_fail(authority("lake", "s3://lake/x"));
  std::string id = created["id"];
  auto before = secret_text("acme", secrets::kStorageAuthoritiesType, id);
  json patch = {
      {"display_name", "taken"},
      {"credentials", {{"type", "aws"}, {"access_key_id", "A3"}, {"secret_access_key", "S3"}}}};
  auto failed = authorities().update("acme", id, patch.dump(), std::nullopt);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(secret_text("acme", secrets::kStorageAuthoritiesType, id), before);

  auto stale = authorities().update("acme", id, patch.dump(), std::string("\"9\""));
  EXPECT_EQ(stale.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(secret_text("acme", secrets::kStorageAuthoritiesType, id), before);

  Status removed = authorities().remove("acme", id, std::nullopt);
  ASSERT_TRUE(removed.ok()) << removed;
  EXPECT_FALSE(secret_text("acme", secrets::kStorageAuthoritiesType, id).has_value());
}

}  // namespace
}  // namespace floecat::catalog
