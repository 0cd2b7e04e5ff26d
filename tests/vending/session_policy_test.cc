#include "vending/session_policy.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "catalog/location.h"

namespace floecat::vending {
namespace {

using nlohmann::json;

catalog::Location parse(std::string_view text) {
  Result<catalog::Location> location = catalog::parse_location("location", text);
  EXPECT_TRUE(location.ok()) << text << ": " << location.status();
  return location.ok() ? *location : catalog::Location{};
}

json policy_for(std::string_view text, Access access = Access::kRead) {
  Result<std::string> policy = build_session_policy(parse(text), access);
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? json::parse(*policy) : json();
}

const json& statement(const json& policy, std::string_view sid) {
  for (const json& item : policy["Statement"]) {
    if (item["Sid"] == sid) {
      return item;
    }
  }
  static const json kMissing;
  ADD_FAILURE() << "no statement " << sid << " in " << policy.dump();
  return kMissing;
}

TEST(SessionPolicy, ReadLimitsObjectsAndListing) {
  json policy = policy_for("s3://lake/warehouse/orders");
  EXPECT_EQ(policy["Version"], "2012-10-17");
  ASSERT_EQ(policy["Statement"].size(), 3u);
  const json& objects = statement(policy, "TableObjects");
  EXPECT_EQ(objects["Effect"], "Allow");
  EXPECT_EQ(objects["Action"], json({"s3:GetObject", "s3:GetObjectVersion"}));
  EXPECT_EQ(objects["Resource"], "arn:aws:s3:::lake/warehouse/orders/*");
  const json& list = statement(policy, "ListTableLocation");
  EXPECT_EQ(list["Action"], "s3:ListBucket");
  EXPECT_EQ(list["Resource"], "arn:aws:s3:::lake");
  EXPECT_EQ(list["Condition"]["StringLike"]["s3:prefix"], "warehouse/orders/*");
  const json& location = statement(policy, "BucketLocation");
  EXPECT_EQ(location["Action"], "s3:GetBucketLocation");
  EXPECT_EQ(location["Resource"], "arn:aws:s3:::lake");
}

TEST(SessionPolicy, WriteAddsWriteActions) {
  json policy = policy_for("s3://lake/t", Access::kWrite);
  EXPECT_EQ(statement(policy, "TableObjects")["Action"],
            json({"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject",
                  "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}));
}

TEST(SessionPolicy, SchemeAliasesGiveTheSamePolicy) {
  json s3 = policy_for("s3://lake/db/t");
  EXPECT_EQ(policy_for("s3a://lake/db/t"), s3);
  EXPECT_EQ(policy_for("s3n://lake/db/t"), s3);
  EXPECT_EQ(policy_for("S3://lake/db/t"), s3);
}

TEST(SessionPolicy, TrailingSlashIsIgnored) {
  EXPECT_EQ(policy_for("s3://lake/db/t/"), policy_for("s3://lake/db/t"));
}

TEST(SessionPolicy, BucketRootGrantsWholeBucket) {
  json policy = policy_for("s3://lake");
  EXPECT_EQ(statement(policy, "TableObjects")["Resource"], "arn:aws:s3:::lake/*");
  EXPECT_FALSE(statement(policy, "ListTableLocation").contains("Condition"));
  EXPECT_EQ(policy_for("s3://lake/"), policy);
}

TEST(SessionPolicy, WildcardsInKeysAreEscaped) {
  json policy = policy_for("s3://lake/a*b/c?d/e$f");
  EXPECT_EQ(statement(policy, "TableObjects")["Resource"],
            "arn:aws:s3:::lake/a${*}b/c${?}d/e${$}f/*");
  EXPECT_EQ(statement(policy, "ListTableLocation")["Condition"]["StringLike"]["s3:prefix"],
            "a${*}b/c${?}d/e${$}f/*");
}

TEST(SessionPolicy, EscapeHandlesEachCharacter) {
  EXPECT_EQ(escape_iam_wildcards(""), "");
  EXPECT_EQ(escape_iam_wildcards("plain/key"), "plain/key");
  EXPECT_EQ(escape_iam_wildcards("*"), "${*}");
  EXPECT_EQ(escape_iam_wildcards("?"), "${?}");
  EXPECT_EQ(escape_iam_wildcards("$"), "${$}");
  EXPECT_EQ(escape_iam_wildcards("${*}"), "${$}{${*}}");
}

TEST(SessionPolicy, PercentEncodedKeysStayLiteral) {
  // Object keys in Iceberg locations are not percent-decoded, so "%20" is
  // three characters of the key.
  json policy = policy_for("s3://lake/my%20table/x%2Fy");
  EXPECT_EQ(statement(policy, "TableObjects")["Resource"], "arn:aws:s3:::lake/my%20table/x%2Fy/*");
}

TEST(SessionPolicy, SpecialCharactersStayInsideJsonStrings) {
  Result<std::string> text =
      build_session_policy(parse("s3://lake/q\"uote/back\\slash/+plus/'tick/a=b&c"), Access::kRead);
  ASSERT_TRUE(text.ok()) << text.status();
  json policy = json::parse(*text);
  EXPECT_EQ(statement(policy, "TableObjects")["Resource"],
            "arn:aws:s3:::lake/q\"uote/back\\slash/+plus/'tick/a=b&c/*");
}

TEST(SessionPolicy, NonAsciiIsWrittenAsEscapes) {
  Result<std::string> text =
      build_session_policy(parse("s3://lake/caf\xc3\xa9/\xe6\x97\xa5"), Access::kRead);
  ASSERT_TRUE(text.ok()) << text.status();
  for (unsigned char c : *text) {
    EXPECT_LT(c, 0x80) << "policy text must be ASCII";
  }
  EXPECT_EQ(statement(json::parse(*text), "TableObjects")["Resource"],
            "arn:aws:s3:::lake/caf\xc3\xa9/\xe6\x97\xa5/*");
}

TEST(SessionPolicy, PartitionComesFromRoleArn) {
  EXPECT_EQ(arn_partition("arn:aws-cn:iam::123456789012:role/r"), "aws-cn");
  EXPECT_EQ(arn_partition("arn:aws-us-gov:iam::123456789012:role/r"), "aws-us-gov");
  EXPECT_EQ(arn_partition("not-an-arn"), "aws");
  Result<std::string> text = build_session_policy(parse("s3://lake/t"), Access::kRead, "aws-cn");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(statement(json::parse(*text), "TableObjects")["Resource"], "arn:aws-cn:s3:::lake/t/*");
}

// Builds s3://lake/<segments of 'n' characters...> whose key has `key_length` characters.
std::string deep_location(std::size_t key_length) {
  std::string key;
  while (key.size() < key_length) {
    if (!key.empty()) {
      key.push_back('/');
    }
    key += "namespace_level";
  }
  key.resize(key_length);
  if (key.back() == '/') {
    key.back() = 'x';
  }
  return "s3://lake/" + key;
}

TEST(SessionPolicy, DeepPathsNearTheSizeLimit) {
  // Find the longest key that still fits, then check one more character fails.
  std::size_t fitting = 0;
  for (std::size_t length = 100; length < 2048; ++length) {
    Result<std::string> text = build_session_policy(parse(deep_location(length)), Access::kWrite);
    if (!text.ok()) {
      break;
    }
    EXPECT_LE(text->size(), kMaxSessionPolicyChars);
    fitting = length;
  }
  ASSERT_GT(fitting, 500u) << "a write policy should fit keys of several hundred characters";
  Result<std::string> at_limit =
      build_session_policy(parse(deep_location(fitting)), Access::kWrite);
  ASSERT_TRUE(at_limit.ok());
  EXPECT_GT(at_limit->size(), kMaxSessionPolicyChars - 4);

  std::string too_long = deep_location(fitting + 1);
  Result<std::string> over = build_session_policy(parse(too_long), Access::kWrite);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(over.status().message().find(parse(too_long).to_string()), std::string::npos)
      << over.status();
  EXPECT_NE(over.status().message().find("at most 2048"), std::string::npos) << over.status();
}

TEST(SessionPolicy, AccessParsing) {
  EXPECT_EQ(*parse_access("access", "read"), Access::kRead);
  EXPECT_EQ(*parse_access("access", "write"), Access::kWrite);
  Result<Access> bad = parse_access("access", "admin");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "access must be read or write, got 'admin'");
}

}  // namespace
}  // namespace floecat::vending
