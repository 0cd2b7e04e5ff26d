#include "catalog/property_guard.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace floecat::catalog {
namespace {

TEST(PropertyGuardTest, CanonicalKeys) {
  EXPECT_EQ(canonical_property_key("privateKeyPem"), "private_key_pem");
  EXPECT_EQ(canonical_property_key("s3.access-key-id"), "s3_access_key_id");
  EXPECT_EQ(canonical_property_key("fs.s3a.secret-access-key"), "fs_s3a_secret_access_key");
  EXPECT_EQ(canonical_property_key("AWSSecret"), "awssecret");
  EXPECT_EQ(canonical_property_key("__Token--Type__"), "token_type");
  EXPECT_EQ(canonical_property_key("oauth2ServerUri"), "oauth2_server_uri");
  EXPECT_EQ(canonical_property_key(""), "");
}

TEST(PropertyGuardTest, AllowedKeys) {
  for (std::string_view key :
       {"token_type", "location", "oauth2-server-uri", "aws.profile", "region", "warehouse",
        "metadata-location", "write.metadata.path", "scope", "audience", "tokenType", "prefix", "",
        "uri", "s3.endpoint", "client.region"}) {
    EXPECT_FALSE(is_forbidden_property_key(key)) << key;
  }
}

TEST(PropertyGuardTest, ForbiddenKeys) {
  for (std::string_view key : {"s3.access-key-id",
                               "session-token",
                               "api-key",
                               "Authorization",
                               "clientSecret",
                               "privateKeyPem",
                               "token",
                               "secret",
                               "password",
                               "s3.secret-access-key",
                               "jwt",
                               "credentials",
                               "credential",
                               "bearer",
                               "assertion",
                               "primary_key",
                               "refresh_token",
                               "id_token",
                               "AWSSecret",
                               "db_password",
                               "gcp_credentials",
                               "x_api_key",
                               "apiKey",
                               "fs.s3a.secret.key",
                               "rest.session-token"}) {
    EXPECT_TRUE(is_forbidden_property_key(key)) << key;
  }
}

TEST(PropertyGuardTest, CheckNamesFieldAndKey) {
  nlohmann::json properties = {{"region", "eu-west-1"}, {"s3.access-key-id", "AKIA"}};
  Status status = check_plain_properties("auth.properties", properties);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("auth.properties"), std::string::npos);
  EXPECT_NE(status.message().find("\"s3.access-key-id\""), std::string::npos);
  EXPECT_NE(status.message().find("auth.credentials"), std::string::npos);
  EXPECT_EQ(status.message().find("AKIA"), std::string::npos);
}

TEST(PropertyGuardTest, CheckRejectsWrongTypes) {
  Status not_object = check_plain_properties("properties", nlohmann::json::array());
  EXPECT_EQ(not_object.message(), "properties must be an object of strings");
  Status not_string = check_plain_properties("properties", {{"region", 5}});
  EXPECT_EQ(not_string.message(), "properties.region must be a string");
  EXPECT_TRUE(check_plain_properties("properties", nullptr).ok());
  EXPECT_TRUE(check_plain_properties("properties", {{"region", "x"}}).ok());
}

}  // namespace
}  // namespace floecat::catalog
