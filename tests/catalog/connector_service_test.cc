#include "catalog/connector_service.h"

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

json aws_connector(std::string_view name, std::string_view canary) {
  return {{"display_name", name},
          {"kind", "Iceberg"},
          {"uri", "https://catalog.example.test/api"},
          {"description", "orders catalog"},
          {"properties", {{"warehouse", "prod"}}},
          {"auth",
           {{"scheme", "aws-sigv4"},
            {"properties", {{"region", "us-east-1"}}},
            {"credentials",
             {{"type", "aws"},
              {"access_key_id", std::string("AKIA-") + std::string(canary)},
              {"secret_access_key", std::string("SECRET-") + std::string(canary)},
              {"session_token", std::string("SESSION-") + std::string(canary)}}}}}};
}

class ConnectorServiceTest : public CatalogTest {
 protected:
  void SetUp() override {
    CatalogTest::SetUp();
    create_account("acme");
  }

  ConnectorService& connectors() { return catalog_->connectors(); }

  json create_or_fail(const json& body) {
    return ok_or_fail(connectors().create("acme", body.dump()));
  }
};

TEST_F(ConnectorServiceTest, CreateStoresSecretAndMasks) {
  json created = create_or_fail(aws_connector("orders", "c1"));
  std::string id = created["id"];

  EXPECT_EQ(created["etag"], "\"1\"");
  EXPECT_EQ(created["kind"], "iceberg");
  EXPECT_EQ(created["display_name"], "orders");
  EXPECT_EQ(created["properties"]["warehouse"], "prod");
  EXPECT_EQ(created["auth"]["scheme"], "aws-sigv4");
  EXPECT_EQ(created["auth"]["credentials"]["type"], "aws");
  EXPECT_EQ(created["auth"]["credentials"]["access_key_id"], "****");
  EXPECT_EQ(created["auth"]["credentials"]["secret_access_key"], "****");
  EXPECT_EQ(created["auth"]["credentials"]["session_token"], "****");
  EXPECT_TRUE(created.contains("created_at"));
  EXPECT_TRUE(created.contains("updated_at"));
  // Search for whole values, because the canary "c1" alone can occur in a hex id.
  std::string response = created.dump();
  EXPECT_EQ(response.find("AKIA-c1"), std::string::npos);
  EXPECT_EQ(response.find("SECRET-c1"), std::string::npos);
  EXPECT_EQ(response.find("SESSION-c1"), std::string::npos);

  auto payload = secret_text("acme", secrets::kConnectorsType, id);
  ASSERT_TRUE(payload.has_value());
  EXPECT_NE(payload->find("SECRET-c1"), std::string::npos);

  std::string stored = records_file_bytes();
  EXPECT_EQ(stored.find("SECRET-c1"), std::string::npos);
  EXPECT_EQ(stored.find("AKIA-c1"), std::string::npos);
  EXPECT_EQ(stored.find("SESSION-c1"), std::string::npos);
}

TEST_F(ConnectorServiceTest, NoSensitiveValueLeaksForAnyType) {
  std::vector<std::string> canaries;
  int index = 0;
  for (const CredentialTypeSchema& schema : credential_type_schemas()) {
    json credentials = {{"type", schema.type}};
    for (const CredentialField& field : schema.fields) {
      if (field.type == CredentialFieldType::kInteger) {
        credentials[field.name] = 3600;
      } else if (field.sensitive) {
        std::string canary = "CANARY" + std::to_string(index++) + "X";
        canaries.push_back(canary);
        credentials[field.name] = canary;
      } else {
        credentials[field.name] = "visible-" + std::string(field.name);
      }
    }
    std::string property_canary = "CANARY" + std::to_string(index++) + "X";
    std::string header_canary = "CANARY" + std::to_string(index++) + "X";
    canaries.push_back(property_canary);
    canaries.push_back(header_canary);
    credentials["properties"] = {{"aws.web_identity_token", property_canary}};
    credentials["headers"] = {{"Authorization", header_canary}};

    json body = {{"display_name", "connector-" + std::string(schema.type)},
                 {"kind", "unity"},
                 {"uri", "https://unity.example.test"},
                 {"auth", {{"scheme", "oauth2"}, {"credentials", credentials}}}};
    json created = create_or_fail(body);
    SCOPED_TRACE(schema.type);
    for (const CredentialField& field : schema.fields) {
      if (!field.sensitive && field.type == CredentialFieldType::kString) {
        EXPECT_EQ(created["auth"]["credentials"][field.name], "visible-" + std::string(field.name));
      }
    }
    std::string updated =
        ok_or_fail(connectors().update("acme", created["id"].get<std::string>(),
                                       R"({"description": "touched"})", std::nullopt))
            .dump();
    for (const std::string& canary : canaries) {
      EXPECT_EQ(created.dump().find(canary), std::string::npos) << canary;
      EXPECT_EQ(updated.find(canary), std::string::npos) << canary;
    }
  }

  std::string listed = ok_or_fail(connectors().list("acme")).dump();
  std::string stored = records_file_bytes();
  ASSERT_FALSE(stored.empty());
  for (const std::string& canary : canaries) {
    EXPECT_EQ(listed.find(canary), std::string::npos) << canary;
    EXPECT_EQ(stored.find(canary), std::string::npos) << canary;
  }
}

TEST_F(ConnectorServiceTest, GetByIdOrDisplayName) {
  json created = create_or_fail(aws_connector("orders", "c2"));
  json by_id = ok_or_fail(connectors().get("acme", created["id"].get<std::string>()));
  json by_name = ok_or_fail(connectors().get("acme", "orders"));
  EXPECT_EQ(by_id, created);
  EXPECT_EQ(by_name, created);

  auto missing = connectors().get("acme", "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto other_account = connectors().get("ghost", "orders");
  ASSERT_FALSE(other_account.ok());
  EXPECT_EQ(other_account.status().code(), StatusCode::kNotFound);
}

TEST_F(ConnectorServiceTest, ListReturnsEveryConnector) {
  create_or_fail(aws_connector("b-orders", "c3"));
  create_or_fail(aws_connector("a-users", "c4"));
  json listed = ok_or_fail(connectors().list("acme"));
  ASSERT_EQ(listed["connectors"].size(), 2u);
  EXPECT_EQ(listed["connectors"][0]["display_name"], "a-users");
  EXPECT_EQ(listed["connectors"][1]["display_name"], "b-orders");
}

TEST_F(ConnectorServiceTest, RejectsBadInput) {
  struct Case {
    std::string body;
    std::string message;
  };

  const Case cases[] = {
      {"{not json", "request body is not valid JSON: syntax error at byte 3"},
      {"[1]", "request body must be a JSON object, not an array"},
      {R"({"kind":"iceberg","uri":"u"})", "display_name is required and must not be blank"},
      {R"({"display_name":7,"kind":"iceberg","uri":"u"})",
       "display_name must be a string, not a number"},
      {R"({"display_name":"  ","kind":"iceberg","uri":"u"})",
       "display_name is required and must not be blank"},
      {R"({"display_name":"n","kind":"hive","uri":"u"})",
       "kind must be one of iceberg, delta, glue, unity"},
      {R"({"display_name":"n","kind":"iceberg"})", "uri is required and must not be blank"},
      {R"({"display_name":"n","kind":"iceberg","uri":"u","colour":"red"})",
       "unknown field colour; allowed fields are display_name, kind, uri, description, "
       "properties, auth"},
      {R"({"display_name":"n","kind":"iceberg","uri":"u","auth":{"schema":"x"}})",
       "unknown field auth.schema; allowed fields are scheme, properties, header_hints, "
       "credentials"},
      {R"({"display_name":"n","kind":"iceberg","uri":"u","properties":{"s3.access-key-id":"A"}})",
       "properties key \"s3.access-key-id\" looks like a secret"},
      {R"({"display_name":"n","kind":"iceberg","uri":"u","auth":{"properties":{"token":"t"}}})",
       "auth.properties key \"token\" looks like a secret"},
      {R"({"display_name":"n","kind":"iceberg","uri":"u","auth":{"header_hints":{"Authorization":"B"}}})",
       "auth.header_hints key \"Authorization\" looks like a secret"},
      {R"({"display_name":"n","kind":"iceberg","uri":"u","auth":{"credentials":{"type":"aws"}}})",
       "auth.credentials.access_key_id is required for type aws"},
      {R"({"display_name":"n","kind":"iceberg","uri":"u","auth":"x"})", "auth must be an object"},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.body);
    auto created = connectors().create("acme", test.body);
    ASSERT_FALSE(created.ok());
    EXPECT_EQ(created.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(created.status().message().find(test.message), std::string::npos)
        << created.status().message();
  }
  EXPECT_EQ(secrets_->calls(Operation::kPut), 0);
  EXPECT_EQ(secret_count("acme"), 0u);
  EXPECT_TRUE(ok_or_fail(connectors().list("acme"))["connectors"].empty());
}

TEST_F(ConnectorServiceTest, ParseErrorDoesNotEchoBody) {
  auto created = connectors().create("acme", R"({"auth": {"credentials": {"token": "CANARY9"})");
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().message().find("CANARY9"), std::string::npos);
}

TEST_F(ConnectorServiceTest, SecretOutageOnCreateWritesNothing) {
  secrets_->fail(Operation::kPut);
  auto created = connectors().create("acme", aws_connector("orders", "c5").dump());
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(ok_or_fail(connectors().list("acme"))["connectors"].empty());
  EXPECT_EQ(secret_count("acme"), 0u);
}

TEST_F(ConnectorServiceTest, RecordFailureOnCreateDeletesSecret) {
  create_or_fail(aws_connector("orders", "c6"));
  ASSERT_EQ(secret_count("acme"), 1u);

  auto duplicate = connectors().create("acme", aws_connector("orders", "c7").dump());
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(secrets_->calls(Operation::kPut), 2);
  EXPECT_EQ(secrets_->calls(Operation::kRemove), 1);
  EXPECT_EQ(secret_count("acme"), 1u);
  EXPECT_EQ(ok_or_fail(connectors().list("acme"))["connectors"].size(), 1u);
}

TEST_F(ConnectorServiceTest, PatchOtherFieldsKeepsSecret) {
  json created = create_or_fail(aws_connector("orders", "c8"));
  std::string id = created["id"];
  auto before = secret_text("acme", secrets::kConnectorsType, id);

  json patch = {{"description", nullptr}, {"properties", {{"catalog", "main"}}}};
  json updated =
      ok_or_fail(connectors().update("acme", id, patch.dump(), created["etag"].get<std::string>()));
  EXPECT_EQ(updated["etag"], "\"2\"");
  EXPECT_FALSE(updated.contains("description"));
  EXPECT_EQ(updated["properties"]["warehouse"], "prod");
  EXPECT_EQ(updated["properties"]["catalog"], "main");
  EXPECT_EQ(updated["auth"]["credentials"], created["auth"]["credentials"]);
  EXPECT_EQ(secrets_->calls(Operation::kUpdate), 0);
  EXPECT_EQ(secret_text("acme", secrets::kConnectorsType, id), before);
}

TEST_F(ConnectorServiceTest, RotateCredentialsReplacesSecret) {
  json created = create_or_fail(aws_connector("orders", "c9"));
  std::string id = created["id"];
  json patch = {
      {"auth",
       {{"credentials",
         {{"type", "bearer"}, {"token", "NEWTOKEN"}, {"headers", {{"X-Tenant", "t1"}}}}}}}};
  json updated = ok_or_fail(connectors().update("acme", "orders", patch.dump(), std::nullopt));
  EXPECT_EQ(updated["auth"]["credentials"], json({{"type", "bearer"},
                                                  {"token", "****"},
                                                  {"properties", json::object()},
                                                  {"headers", {{"X-Tenant", "t1"}}}}));
  EXPECT_EQ(updated["auth"]["scheme"], "aws-sigv4");
  auto payload = secret_text("acme", secrets::kConnectorsType, id);
  ASSERT_TRUE(payload.has_value());
  EXPECT_NE(payload->find("NEWTOKEN"), std::string::npos);
  EXPECT_EQ(payload->find("SECRET-c9"), std::string::npos);

  auto loaded = connectors().load_credentials("acme", id);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->type(), "bearer");
  EXPECT_EQ((*loaded)->field("token"), "NEWTOKEN");
}

TEST_F(ConnectorServiceTest, NullCredentialsRemoveSecret) {
  json created = create_or_fail(aws_connector("orders", "c10"));
  std::string id = created["id"];
  json updated = ok_or_fail(
      connectors().update("acme", id, R"({"auth": {"credentials": null}})", std::nullopt));
  EXPECT_FALSE(updated["auth"].contains("credentials"));
  EXPECT_EQ(updated["auth"]["scheme"], "aws-sigv4");
  EXPECT_FALSE(secret_text("acme", secrets::kConnectorsType, id).has_value());

  auto loaded = connectors().load_credentials("acme", id);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_FALSE(loaded->has_value());
}

TEST_F(ConnectorServiceTest, StaleEtagChangesNothing) {
  json created = create_or_fail(aws_connector("orders", "c11"));
  std::string id = created["id"];
  ok_or_fail(connectors().update("acme", id, R"({"description": "v2"})", std::nullopt));
  auto before = secret_text("acme", secrets::kConnectorsType, id);

  json patch = {{"description", "v3"},
                {"auth", {{"credentials", {{"type", "bearer"}, {"token", "STALE"}}}}}};
  auto stale = connectors().update("acme", id, patch.dump(), std::string("\"1\""));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), StatusCode::kFailedPrecondition);

  json current = ok_or_fail(connectors().get("acme", id));
  EXPECT_EQ(current["description"], "v2");
  EXPECT_EQ(current["etag"], "\"2\"");
  EXPECT_EQ(secret_text("acme", secrets::kConnectorsType, id), before);

  auto bad_etag = connectors().update("acme", id, "{}", std::string("*"));
  ASSERT_FALSE(bad_etag.ok());
  EXPECT_EQ(bad_etag.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ConnectorServiceTest, RecordFailureOnRotateRestoresSecret) {
  create_or_fail(aws_connector("users", "c12"));
  json created = create_or_fail(aws_connector("orders", "c13"));
  std::string id = created["id"];
  auto before = secret_text("acme", secrets::kConnectorsType, id);

  // The display name clash makes the record write fail after the new
  // secret version is written.
  json patch = {{"display_name", "users"},
                {"auth", {{"credentials", {{"type", "bearer"}, {"token", "ROTATED"}}}}}};
  auto clash = connectors().update("acme", id, patch.dump(), std::nullopt);
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(secrets_->calls(Operation::kUpdate), 2);  // the new version, then the restore
  EXPECT_EQ(secret_text("acme", secrets::kConnectorsType, id), before);
  EXPECT_EQ(ok_or_fail(connectors().get("acme", id))["display_name"], "orders");
}

TEST_F(ConnectorServiceTest, RecordFailureOnFirstCredentialsDeletesSecret) {
  create_or_fail(aws_connector("users", "c14"));
  json body = aws_connector("orders", "c15");
  body["auth"].erase("credentials");
  json created = create_or_fail(body);
  std::string id = created["id"];
  EXPECT_FALSE(created["auth"].contains("credentials"));

  json patch = {{"display_name", "users"},
                {"auth", {{"credentials", {{"type", "bearer"}, {"token", "FIRST"}}}}}};
  auto clash = connectors().update("acme", id, patch.dump(), std::nullopt);
  ASSERT_FALSE(clash.ok());
  EXPECT_FALSE(secret_text("acme", secrets::kConnectorsType, id).has_value());
}

TEST_F(ConnectorServiceTest, SecretOutageOnRotateKeepsRecord) {
  json created = create_or_fail(aws_connector("orders", "c16"));
  std::string id = created["id"];
  secrets_->fail(Operation::kUpdate);
  json patch = {{"description", "changed"},
                {"auth", {{"credentials", {{"type", "bearer"}, {"token", "LOST"}}}}}};
  auto failed = connectors().update("acme", id, patch.dump(), std::nullopt);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  json current = ok_or_fail(connectors().get("acme", id));
  EXPECT_EQ(current, created);
}

TEST_F(ConnectorServiceTest, DeleteRemovesRecordThenSecret) {
  json created = create_or_fail(aws_connector("orders", "c17"));
  std::string id = created["id"];
  Status stale = connectors().remove("acme", id, std::string("\"7\""));
  EXPECT_EQ(stale.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(secret_count("acme"), 1u);

  Status removed = connectors().remove("acme", "orders", created["etag"].get<std::string>());
  ASSERT_TRUE(removed.ok()) << removed;
  EXPECT_EQ(connectors().get("acme", id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(secret_count("acme"), 0u);
  EXPECT_EQ(connectors().remove("acme", id, std::nullopt).code(), StatusCode::kNotFound);
}

TEST_F(ConnectorServiceTest, SecretOutageOnDeleteLeavesOrphanForSweep) {
  json created = create_or_fail(aws_connector("orders", "c18"));
  create_or_fail(aws_connector("kept", "c19"));
  secrets_->fail(Operation::kRemove);
  Status removed = connectors().remove("acme", "orders", std::nullopt);
  ASSERT_TRUE(removed.ok()) << removed;
  EXPECT_EQ(secret_count("acme"), 2u);

  auto report = catalog_->sweep_orphan_secrets();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->secrets_removed, 1);
  EXPECT_EQ(report->records_missing_secret, 0);
  EXPECT_EQ(secret_count("acme"), 1u);
  EXPECT_FALSE(
      secret_text("acme", secrets::kConnectorsType, created["id"].get<std::string>()).has_value());
}

TEST_F(ConnectorServiceTest, UnknownAccountIsNotFound) {
  auto created = connectors().create("ghost", aws_connector("orders", "c20").dump());
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(secrets_->calls(Operation::kPut), 0);
}

TEST_F(ConnectorServiceTest, PatchValidatesMergedDocument) {
  json created = create_or_fail(aws_connector("orders", "c21"));
  std::string id = created["id"];

  struct Case {
    std::string patch;
    std::string message;
  };

  const Case cases[] = {
      {R"({"uri": null})", "uri is required and must not be blank"},
      {R"({"kind": "hive"})", "kind must be one of"},
      {R"({"id": "x"})", "unknown field id"},
      {R"({"properties": {"apiKey": "k"}})", "properties key \"apiKey\" looks like a secret"},
      {R"({"auth": {"credentials": "x"}})", "auth.credentials must be an object"},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.patch);
    auto updated = connectors().update("acme", id, test.patch, std::nullopt);
    ASSERT_FALSE(updated.ok());
    EXPECT_EQ(updated.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(updated.status().message().find(test.message), std::string::npos)
        << updated.status().message();
  }
  EXPECT_EQ(ok_or_fail(connectors().get("acme", id)), created);
}

TEST_F(ConnectorServiceTest, AuthNullRemovesSecretToo) {
  json created = create_or_fail(aws_connector("orders", "c22"));
  std::string id = created["id"];
  json updated = ok_or_fail(connectors().update("acme", id, R"({"auth": null})", std::nullopt));
  EXPECT_EQ(updated["auth"], json::object());
  EXPECT_FALSE(secret_text("acme", secrets::kConnectorsType, id).has_value());
}

}  // namespace
}  // namespace floecat::catalog
