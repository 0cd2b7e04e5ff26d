#include "catalog/auth_credentials.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace floecat::catalog {
namespace {

using nlohmann::json;

// Builds a credentials object of `type` with every field set: strings to a
// unique canary per field, duration_seconds to 3600.
json full_credentials(const CredentialTypeSchema& schema) {
  json value = {{"type", schema.type}};
  for (const CredentialField& field : schema.fields) {
    if (field.type == CredentialFieldType::kInteger) {
      value[field.name] = 3600;
    } else {
      value[field.name] = "canary-" + std::string(schema.type) + "-" + std::string(field.name);
    }
  }
  value["properties"] = {{"aws.web_identity_token", "canary-property-token"},
                         {"region", "us-east-1"}};
  value["headers"] = {{"Authorization", "canary-header-authorization"}, {"X-Tenant", "tenant-7"}};
  return value;
}

json required_only(const CredentialTypeSchema& schema) {
  json value = {{"type", schema.type}};
  for (const CredentialField& field : schema.fields) {
    if (field.required) {
      value[field.name] = "value-" + std::string(field.name);
    }
  }
  return value;
}

TEST(AuthCredentialsTest, SchemaListsNineTypes) {
  std::vector<std::string_view> types;
  for (const CredentialTypeSchema& schema : credential_type_schemas()) {
    types.push_back(schema.type);
  }
  std::vector<std::string_view> expected = {"bearer",
                                            "client",
                                            "cli",
                                            "aws",
                                            "aws-web-identity",
                                            "aws-assume-role",
                                            "token-exchange",
                                            "token-exchange-entra",
                                            "token-exchange-gcp"};
  EXPECT_EQ(types, expected);
}

TEST(AuthCredentialsTest, EveryTypeAcceptsRequiredFieldsOnly) {
  for (const CredentialTypeSchema& schema : credential_type_schemas()) {
    SCOPED_TRACE(schema.type);
    auto parsed = AuthCredentials::from_json(required_only(schema), "auth.credentials");
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->type(), schema.type);
  }
}

TEST(AuthCredentialsTest, EveryRequiredFieldIsEnforced) {
  int required_fields = 0;
  for (const CredentialTypeSchema& schema : credential_type_schemas()) {
    for (const CredentialField& field : schema.fields) {
      if (!field.required) {
        continue;
      }
      ++required_fields;
      SCOPED_TRACE(std::string(schema.type) + "." + std::string(field.name));
      json missing = required_only(schema);
      missing.erase(std::string(field.name));
      auto parsed = AuthCredentials::from_json(missing, "auth.credentials");
      ASSERT_FALSE(parsed.ok());
      EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(parsed.status().message(), "auth.credentials." + std::string(field.name) +
                                               " is required for type " + std::string(schema.type));

      json blank = required_only(schema);
      blank[field.name] = "  ";
      auto blank_parsed = AuthCredentials::from_json(blank, "auth.credentials");
      ASSERT_FALSE(blank_parsed.ok());
      EXPECT_NE(blank_parsed.status().message().find("must not be blank"), std::string::npos);
    }
  }
  // bearer 1, client 3, aws 2, aws-web-identity 1, aws-assume-role 1.
  EXPECT_EQ(required_fields, 8);
}

TEST(AuthCredentialsTest, UnknownTypeListsTheTypes) {
  auto parsed = AuthCredentials::from_json(json{{"type", "kerberos"}}, "auth.credentials");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(),
            "auth.credentials.type must be one of bearer, client, cli, aws, aws-web-identity, "
            "aws-assume-role, token-exchange, token-exchange-entra, token-exchange-gcp");
}

TEST(AuthCredentialsTest, AllowedTypesRestrictTheChoice) {
  std::string_view allowed[] = {"aws", "aws-assume-role"};
  auto parsed =
      AuthCredentials::from_json(json{{"type", "bearer"}, {"token", "t"}}, "credentials", allowed);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(), "credentials.type must be one of aws, aws-assume-role");
}

TEST(AuthCredentialsTest, RejectsBadShapes) {
  struct Case {
    json value;
    std::string message_part;
  };

  const Case cases[] = {
      {json::array(), "auth.credentials must be an object"},
      {json::object(), "auth.credentials.type is required"},
      {json{{"type", 7}}, "auth.credentials.type must be a string"},
      {json{{"type", "bearer"}, {"token", 5}}, "auth.credentials.token must be a string"},
      {json{{"type", "bearer"}, {"token", "t"}, {"role_arn", "x"}},
       "unknown field auth.credentials.role_arn for type bearer"},
      {json{{"type", "aws-assume-role"}, {"role_arn", "r"}, {"duration_seconds", 899}},
       "auth.credentials.duration_seconds must be an integer between 900 and 43200"},
      {json{{"type", "aws-assume-role"}, {"role_arn", "r"}, {"duration_seconds", 43201}},
       "auth.credentials.duration_seconds must be an integer between 900 and 43200"},
      {json{{"type", "aws-assume-role"}, {"role_arn", "r"}, {"duration_seconds", "3600"}},
       "auth.credentials.duration_seconds must be an integer"},
      {json{{"type", "aws-assume-role"}, {"role_arn", "r"}, {"duration_seconds", 1000.5}},
       "auth.credentials.duration_seconds must be an integer"},
      {json{{"type", "bearer"}, {"token", "t"}, {"properties", {{"a", 1}}}},
       "auth.credentials.properties.a must be a string"},
      {json{{"type", "bearer"}, {"token", "t"}, {"headers", "x"}},
       "auth.credentials.headers must be an object of strings"},
      {json{{"type", "bearer"}, {"token", "****"}}, "auth.credentials.token is the mask ****"},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.value.dump());
    auto parsed = AuthCredentials::from_json(test.value, "auth.credentials");
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find(test.message_part), std::string::npos)
        << parsed.status().message();
  }
}

TEST(AuthCredentialsTest, DurationBoundsAreInclusive) {
  for (int seconds : {900, 43200}) {
    json value = {{"type", "aws-web-identity"}, {"role_arn", "r"}, {"duration_seconds", seconds}};
    auto parsed = AuthCredentials::from_json(value, "auth.credentials");
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->duration_seconds(), seconds);
  }
}

TEST(AuthCredentialsTest, MaskingHidesEverySensitiveValue) {
  for (const CredentialTypeSchema& schema : credential_type_schemas()) {
    SCOPED_TRACE(schema.type);
    auto parsed = AuthCredentials::from_json(full_credentials(schema), "auth.credentials");
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    json masked = parsed->masked_json();
    std::string text = masked.dump();

    EXPECT_EQ(masked["type"], schema.type);
    for (const CredentialField& field : schema.fields) {
      std::string name(field.name);
      ASSERT_TRUE(masked.contains(name)) << name;
      if (field.sensitive) {
        EXPECT_EQ(masked[name], "****") << name;
        std::string canary = "canary-" + std::string(schema.type) + "-" + name;
        EXPECT_EQ(text.find(canary), std::string::npos) << name;
      } else if (field.type == CredentialFieldType::kInteger) {
        EXPECT_EQ(masked[name], 3600);
      } else {
        EXPECT_EQ(masked[name], "canary-" + std::string(schema.type) + "-" + name);
      }
    }
    EXPECT_EQ(masked["properties"]["aws.web_identity_token"], "****");
    EXPECT_EQ(masked["properties"]["region"], "us-east-1");
    EXPECT_EQ(masked["headers"]["Authorization"], "****");
    EXPECT_EQ(masked["headers"]["X-Tenant"], "tenant-7");
    EXPECT_EQ(text.find("canary-property-token"), std::string::npos);
    EXPECT_EQ(text.find("canary-header-authorization"), std::string::npos);
  }
}

TEST(AuthCredentialsTest, SensitiveMapKeys) {
  for (std::string_view key :
       {"client_secret", "X-Api-Key", "aws.web_identity_token", "Cookie", "privateKey", "SESSION",
        "jwt-assertion", "x-signature", "external_id", "refresh", "key"}) {
    EXPECT_TRUE(is_sensitive_map_key(key)) << key;
  }
  for (std::string_view key : {"region", "X-Tenant", "scope", "audience", "endpoint"}) {
    EXPECT_FALSE(is_sensitive_map_key(key)) << key;
  }
}

TEST(AuthCredentialsTest, PayloadRoundTripKeepsEveryValue) {
  for (const CredentialTypeSchema& schema : credential_type_schemas()) {
    SCOPED_TRACE(schema.type);
    json original = full_credentials(schema);
    original["properties"]["quote\"and\\slash"] = "line\nbreak\t\x01";
    auto parsed = AuthCredentials::from_json(original, "auth.credentials");
    ASSERT_TRUE(parsed.ok()) << parsed.status();

    SecretBytes payload = parsed->to_payload();
    json reread = json::parse(payload.expose());
    EXPECT_EQ(reread, original);

    auto back = AuthCredentials::from_payload(payload);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->type(), schema.type);
    for (const CredentialField& field : schema.fields) {
      if (field.type == CredentialFieldType::kString) {
        EXPECT_EQ(back->field(field.name), parsed->field(field.name));
      }
    }
    EXPECT_EQ(back->duration_seconds(), parsed->duration_seconds());
    EXPECT_EQ(back->properties().size(), 3u);
    EXPECT_EQ(back->headers().size(), 2u);
  }
}

TEST(AuthCredentialsTest, CorruptPayloadIsInternalWithoutEcho) {
  auto garbage = AuthCredentials::from_payload(SecretBytes("{\"type\":\"aws\", canary-xyz"));
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.status().code(), StatusCode::kInternal);
  EXPECT_EQ(garbage.status().message().find("canary-xyz"), std::string::npos);

  auto wrong = AuthCredentials::from_payload(SecretBytes(R"({"type":"aws"})"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kInternal);
}

TEST(AuthCredentialsTest, WipeJsonStringsZeroesValues) {
  json value = {{"a", "secret-value-long-enough-for-the-heap"}, {"b", {{"c", "short"}}}};
  wipe_json_strings(value);
  EXPECT_EQ(value["a"].get<std::string>(), std::string(37, '\0'));
  EXPECT_EQ(value["b"]["c"].get<std::string>(), std::string(5, '\0'));
}

}  // namespace
}  // namespace floecat::catalog
