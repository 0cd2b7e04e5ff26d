#include "secrets/secret_key.h"

#include <random>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "core/secret_bytes.h"
#include "secrets/secrets_store.h"

namespace floecat::secrets {
namespace {

// Characters Secrets Manager accepts in a secret name.
bool is_allowed_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
         c == '_' || c == '+' || c == '=' || c == '.' || c == '@' || c == '-';
}

void expect_allowed_alphabet(const std::string& name) {
  for (char c : name) {
    EXPECT_TRUE(is_allowed_name_char(c))
        << "name " << name << " contains byte " << static_cast<int>(static_cast<unsigned char>(c));
  }
}

SecretKey make_or_fail(std::string_view account, std::string_view type, std::string_view id) {
  auto key = SecretKey::make(account, type, id);
  EXPECT_TRUE(key.ok()) << key.status();
  return std::move(key).value();
}

TEST(SecretKey, OrdinaryIdsAppearUnchanged) {
  SecretKey key = make_or_fail("acct-123", "connectors", "conn-001");
  EXPECT_EQ(key.name(), "accounts/acct-123/connectors/conn-001");
  EXPECT_EQ(key.account_id(), "acct-123");
  EXPECT_EQ(key.secret_type(), "connectors");
  EXPECT_EQ(key.secret_id(), "conn-001");
}

TEST(SecretKey, UuidAndStorageAuthorityType) {
  SecretKey key =
      make_or_fail("A.b_9", kStorageAuthoritiesType, "6f1c3a8e-2b7d-4c1e-9f00-1234567890ab");
  EXPECT_EQ(key.name(), "accounts/A.b_9/storage-authorities/6f1c3a8e-2b7d-4c1e-9f00-1234567890ab");
}

TEST(SecretKey, EscapesReservedBytes) {
  EXPECT_EQ(SecretKey::escape_segment("a/b"), "a=2Fb");
  EXPECT_EQ(SecretKey::escape_segment("a=b"), "a=3Db");
  EXPECT_EQ(SecretKey::escape_segment("a+b"), "a=2Bb");
  EXPECT_EQ(SecretKey::escape_segment("a@b"), "a=40b");
  EXPECT_EQ(SecretKey::escape_segment("a b"), "a=20b");
  EXPECT_EQ(SecretKey::escape_segment("a%b"), "a=25b");
  EXPECT_EQ(SecretKey::escape_segment("~"), "=7E");
  EXPECT_EQ(SecretKey::escape_segment("\xc3\xa9"), "=C3=A9");
  EXPECT_EQ(SecretKey::escape_segment(std::string_view("\0\x1f", 2)), "=00=1F");
}

TEST(SecretKey, AccountPrefixMatchesNames) {
  EXPECT_EQ(SecretKey::account_prefix("acct/1"), "accounts/acct=2F1/");
  SecretKey key = make_or_fail("acct/1", "connectors", "c");
  EXPECT_EQ(key.name().rfind(SecretKey::account_prefix("acct/1"), 0), 0u);
}

TEST(SecretKey, EveryByteRoundTripsInEachSegment) {
  for (int value = 0; value < 256; ++value) {
    const std::string byte(1, static_cast<char>(value));
    // A lone whitespace byte is blank, so pad every segment with a letter.
    const std::string segment = "x" + byte;
    for (int position = 0; position < 3; ++position) {
      const std::string account = position == 0 ? segment : "acct";
      const std::string type = position == 1 ? segment : "connectors";
      const std::string id = position == 2 ? segment : "id";
      SCOPED_TRACE(testing::Message() << "byte " << value << " in segment " << position);

      SecretKey key = make_or_fail(account, type, id);
      expect_allowed_alphabet(key.name());
      auto parsed = SecretKey::parse(key.name());
      ASSERT_TRUE(parsed.ok()) << parsed.status();
      EXPECT_EQ(parsed->account_id(), account);
      EXPECT_EQ(parsed->secret_type(), type);
      EXPECT_EQ(parsed->secret_id(), id);
      EXPECT_EQ(parsed->name(), key.name());
    }
  }
}

TEST(SecretKey, RandomSegmentsRoundTrip) {
  std::mt19937 random(20261204);
  std::uniform_int_distribution<int> length_of(1, 24);
  std::uniform_int_distribution<int> byte_of(0, 255);
  // Half of the draws come from a small alphabet rich in separators, so that
  // '/', '=' and hex-like text appear next to each other often.
  const std::string tricky = "/=AF09az-._ %+@";
  std::uniform_int_distribution<int> tricky_index(0, static_cast<int>(tricky.size()) - 1);
  auto random_segment = [&]() {
    std::string segment = "s";
    const int length = length_of(random);
    const bool use_tricky = random() % 2 == 0;
    for (int i = 0; i < length; ++i) {
      segment.push_back(use_tricky ? tricky[tricky_index(random)]
                                   : static_cast<char>(byte_of(random)));
    }
    return segment;
  };

  for (int round = 0; round < 5000; ++round) {
    const std::string account = random_segment();
    const std::string type = random_segment();
    const std::string id = random_segment();
    auto key = SecretKey::make(account, type, id);
    if (!key.ok()) {
      // Only the length limit may reject a non-blank segment.
      EXPECT_NE(key.status().message().find("the limit is 256"), std::string::npos) << key.status();
      continue;
    }
    expect_allowed_alphabet(key->name());
    auto parsed = SecretKey::parse(key->name());
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    ASSERT_EQ(parsed->account_id(), account);
    ASSERT_EQ(parsed->secret_type(), type);
    ASSERT_EQ(parsed->secret_id(), id);
  }
}

TEST(SecretKey, SlashInSegmentNeverAliases) {
  // Each triple would produce the same name if '/' passed through unescaped.
  SecretKey a = make_or_fail("a/b", "c", "d");
  SecretKey b = make_or_fail("a", "b/c", "d");
  SecretKey c = make_or_fail("a", "b", "c/d");
  std::set<std::string> names = {a.name(), b.name(), c.name()};
  EXPECT_EQ(names.size(), 3u);
  EXPECT_EQ(a.name(), "accounts/a=2Fb/c/d");

  // A literal "=2F" in an id must not collide with an escaped '/'.
  SecretKey slash = make_or_fail("acct", "connectors", "x/y");
  SecretKey literal = make_or_fail("acct", "connectors", "x=2Fy");
  EXPECT_NE(slash.name(), literal.name());
  EXPECT_EQ(literal.name(), "accounts/acct/connectors/x=3D2Fy");
}

TEST(SecretKey, BlankSegmentsRejected) {
  struct Case {
    std::string account;
    std::string type;
    std::string id;
    std::string message;
  };

  const Case cases[] = {
      {"", "connectors", "id", "account_id is required"},
      {" \t", "connectors", "id", "account_id is required"},
      {"acct", "", "id", "secret_type is required"},
      {"acct", "\n", "id", "secret_type is required"},
      {"acct", "connectors", "", "secret_id is required"},
      {"acct", "connectors", "  ", "secret_id is required"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    auto key = SecretKey::make(c.account, c.type, c.id);
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(key.status().message(), c.message);
  }
}

TEST(SecretKey, NameLengthLimit) {
  // "accounts/a/connectors/" is 22 characters.
  const std::string prefix = "accounts/a/connectors/";
  SecretKey longest = make_or_fail("a", "connectors", std::string(256 - prefix.size(), 'x'));
  EXPECT_EQ(longest.name().size(), 256u);
  EXPECT_TRUE(SecretKey::parse(longest.name()).ok());

  auto too_long = SecretKey::make("a", "connectors", std::string(257 - prefix.size(), 'x'));
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(too_long.status().message().find("257 characters"), std::string::npos)
      << too_long.status();
  EXPECT_NE(too_long.status().message().find("the limit is 256"), std::string::npos)
      << too_long.status();

  EXPECT_FALSE(SecretKey::parse(prefix + std::string(257 - prefix.size(), 'x')).ok());
}

TEST(SecretKey, EscapedBytesCountTowardsLimit) {
  // 78 escaped bytes are 234 characters: 22 + 234 = 256 fits, one more does not.
  EXPECT_TRUE(SecretKey::make("a", "connectors", std::string(78, '/')).ok());
  EXPECT_FALSE(SecretKey::make("a", "connectors", std::string(79, '/')).ok());
}

TEST(SecretKey, ParseRejectsMalformedNames) {
  const char* const names[] = {
      "",
      "accounts",
      "accounts/a/connectors",
      "accounts/a/connectors/id/extra",
      "/accounts/a/connectors/id",
      "account/a/connectors/id",
      "accounts//connectors/id",
      "accounts/a/connectors/",
      "accounts/=20/connectors/id",  // blank once unescaped
      "accounts/a/connectors/a=2",   // truncated escape
      "accounts/a/connectors/a=",    // truncated escape
      "accounts/a/connectors/a=2f",  // lower-case hex
      "accounts/a/connectors/a=G0",  // not hex
      "accounts/a/connectors/=41",   // 'A' must not be escaped
      "accounts/a/connectors/a+b",   // '+' must be escaped
      "accounts/a/connectors/a@b",   // '@' must be escaped
      "accounts/a/connectors/a b",   // space must be escaped
  };
  for (const char* name : names) {
    SCOPED_TRACE(name);
    auto key = SecretKey::parse(name);
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(CheckPayloadSize, LimitIsInclusive) {
  SecretKey key = make_or_fail("acct", "connectors", "c1");
  EXPECT_TRUE(check_payload_size(key, SecretBytes(std::string(kMaxSecretPayloadBytes, 'p'))).ok());

  Status over = check_payload_size(key, SecretBytes(std::string(kMaxSecretPayloadBytes + 1, 'p')));
  EXPECT_EQ(over.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(over.message().find("payload is 65537 bytes; the limit is 65536"), std::string::npos)
      << over;
  EXPECT_NE(over.message().find(key.name()), std::string::npos) << over;
}

}  // namespace
}  // namespace floecat::secrets
