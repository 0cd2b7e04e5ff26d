#include "catalog/location.h"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace floecat::catalog {
namespace {

Location parse_or_fail(std::string_view text) {
  auto parsed = parse_location("location", text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status();
  return parsed.ok() ? parsed.value() : Location();
}

TEST(LocationTest, ParsesAndNormalises) {
  struct Case {
    std::string_view text;
    std::string_view normalised;
    std::string_view bucket;
    std::string_view key;
  };

  const Case cases[] = {
      {"s3://bucket/a/b", "s3://bucket/a/b", "bucket", "a/b"},
      {"s3a://bucket/a/b", "s3://bucket/a/b", "bucket", "a/b"},
      {"s3n://bucket/a", "s3://bucket/a", "bucket", "a"},
      {"S3://bucket/a", "s3://bucket/a", "bucket", "a"},
      {"S3A://bucket/a/", "s3://bucket/a", "bucket", "a"},
      {"s3://bucket", "s3://bucket", "bucket", ""},
      {"s3://bucket/", "s3://bucket", "bucket", ""},
      {"s3://bucket/a///", "s3://bucket/a", "bucket", "a"},
      {"s3://bucket/a%2Fb/c%20d", "s3://bucket/a%2Fb/c%20d", "bucket", "a%2Fb/c%20d"},
      {"s3://bucket/k=v/@x+y,z/*?", "s3://bucket/k=v/@x+y,z/*?", "bucket", "k=v/@x+y,z/*?"},
      {"s3://bucket/...x/.hidden", "s3://bucket/...x/.hidden", "bucket", "...x/.hidden"},
      {"s3://bucket/Case/Sensitive", "s3://bucket/Case/Sensitive", "bucket", "Case/Sensitive"},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.text);
    Location location = parse_or_fail(test.text);
    EXPECT_EQ(location.scheme, "s3");
    EXPECT_EQ(location.to_string(), test.normalised);
    EXPECT_EQ(location.bucket, test.bucket);
    EXPECT_EQ(location.key(), test.key);
  }
}

TEST(LocationTest, RejectsBadLocations) {
  struct Case {
    std::string_view text;
    std::string_view message;
  };

  const Case cases[] = {
      {"", "location_prefix is required and must not be blank"},
      {"bucket/a", "location_prefix must start with a scheme, as in s3://bucket/path"},
      {"://bucket/a", "location_prefix must start with a scheme, as in s3://bucket/path"},
      {"gs://bucket/a", "location_prefix scheme must be s3, s3a or s3n"},
      {"s3://", "location_prefix must name a bucket after s3://"},
      {"s3:///a", "location_prefix must name a bucket after s3://"},
      {"s3://b/a//c", "location_prefix must not contain empty path segments (//)"},
      {"s3://b/../c", "location_prefix must not contain '.' or '..' path segments"},
      {"s3://b/a/..", "location_prefix must not contain '.' or '..' path segments"},
      {"s3://b/./c", "location_prefix must not contain '.' or '..' path segments"},
      {"s3://../c", "location_prefix bucket must not be '.' or '..'"},
      {"s3://b/a c", "location_prefix must not contain whitespace or control characters"},
      {" s3://b/a", "location_prefix must not contain whitespace or control characters"},
      {"s3://b/a\n", "location_prefix must not contain whitespace or control characters"},
      {"s3://b/a\x7f", "location_prefix must not contain whitespace or control characters"},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.text);
    auto parsed = parse_location("location_prefix", test.text);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().message(), test.message);
  }
}

TEST(LocationTest, CoversWholeSegmentsOnly) {
  struct Case {
    std::string_view prefix;
    std::string_view location;
    bool covers;
  };

  const Case cases[] = {
      {"s3://b/data", "s3://b/data/x", true},
      {"s3://b/data", "s3://b/data", true},
      {"s3://b/data/", "s3://b/data", true},
      {"s3://b/data", "s3://b/data/", true},
      {"s3://b/data", "s3://b/database", false},
      {"s3://b/data", "s3://b/dat", false},
      {"s3://b/data/x", "s3://b/data", false},
      {"s3://b/", "s3://b/anything/at/all", true},
      {"s3://b", "s3://b", true},
      {"s3://b", "s3://bb/x", false},
      {"s3://b/data", "s3a://b/data/x", true},
      {"S3N://b/data", "s3://b/data/x", true},
      {"s3://b/Data", "s3://b/data/x", false},
      {"s3://b/a%2Fb", "s3://b/a/b", false},
      {"s3://b/a%2Fb", "s3://b/a%2Fb/c", true},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(std::string(test.prefix) + " vs " + std::string(test.location));
    EXPECT_EQ(parse_or_fail(test.prefix).covers(parse_or_fail(test.location)), test.covers);
  }
}

TEST(LocationIndexTest, LongestPrefixWins) {
  LocationIndex index;
  index.add({"root", parse_or_fail("s3://b/"), 1});
  index.add({"data", parse_or_fail("s3://b/data"), 2});
  index.add({"orders", parse_or_fail("s3://b/data/orders/"), 3});

  struct Case {
    std::string_view location;
    std::string_view authority;
  };

  const Case cases[] = {
      {"s3://b/data/orders/part-1.parquet", "orders"},
      {"s3://b/data/orders", "orders"},
      {"s3://b/data/ordersx/f", "data"},
      {"s3://b/data", "data"},
      {"s3://b/database/f", "root"},
      {"s3://b", "root"},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.location);
    const LocationIndex::Entry* entry = index.find(parse_or_fail(test.location));
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->authority_id, test.authority);
  }
  EXPECT_EQ(index.find(parse_or_fail("s3://other/data")), nullptr);
  EXPECT_EQ(index.size(), 3u);
}

TEST(LocationIndexTest, TiesPreferEarliestThenSmallestId) {
  LocationIndex index;
  index.add({"zeta", parse_or_fail("s3://b/x"), 5});
  index.add({"late", parse_or_fail("s3://b/x/"), 9});
  index.add({"alpha", parse_or_fail("s3a://b/x"), 5});
  const LocationIndex::Entry* entry = index.find(parse_or_fail("s3://b/x/y"));
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->authority_id, "alpha");

  const auto* same = index.find_exact(parse_or_fail("s3://b/x"));
  ASSERT_NE(same, nullptr);
  ASSERT_EQ(same->size(), 3u);
  EXPECT_EQ((*same)[0].authority_id, "alpha");
  EXPECT_EQ((*same)[1].authority_id, "zeta");
  EXPECT_EQ((*same)[2].authority_id, "late");
}

// The index must agree with a plain scan over every prefix.
TEST(LocationIndexTest, AgreesWithLinearScan) {
  std::mt19937 random(42);
  auto segment = [&] { return std::string(1, static_cast<char>('a' + random() % 3)); };
  std::vector<LocationIndex::Entry> entries;
  LocationIndex index;
  for (int i = 0; i < 300; ++i) {
    std::string text = "s3://b" + std::to_string(random() % 2);
    for (int depth = random() % 4; depth > 0; --depth) {
      text += "/" + segment();
    }
    LocationIndex::Entry entry{"id-" + std::to_string(i), parse_or_fail(text),
                               static_cast<std::int64_t>(random() % 50)};
    entries.push_back(entry);
    index.add(entry);
  }
  for (int i = 0; i < 500; ++i) {
    std::string text = "s3://b" + std::to_string(random() % 3);
    for (int depth = random() % 6; depth > 0; --depth) {
      text += "/" + segment();
    }
    Location location = parse_or_fail(text);
    const LocationIndex::Entry* best = nullptr;
    for (const LocationIndex::Entry& entry : entries) {
      if (!entry.prefix.covers(location)) {
        continue;
      }
      if (best == nullptr || entry.prefix.key_segments.size() > best->prefix.key_segments.size() ||
          (entry.prefix.key_segments.size() == best->prefix.key_segments.size() &&
           std::tie(entry.created_at_ms, entry.authority_id) <
               std::tie(best->created_at_ms, best->authority_id))) {
        best = &entry;
      }
    }
    const LocationIndex::Entry* found = index.find(location);
    SCOPED_TRACE(text);
    ASSERT_EQ(found == nullptr, best == nullptr);
    if (found != nullptr) {
      EXPECT_EQ(found->authority_id, best->authority_id);
    }
  }
}

}  // namespace
}  // namespace floecat::catalog
