#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"

namespace floecat::catalog {

// A parsed object-store location, e.g. s3://bucket/warehouse/orders.
// s3a:// and s3n:// parse as s3://; the scheme is lower-cased; bucket and
// key segments are kept byte for byte (no percent-decoding).
struct Location {
  std::string scheme;
  std::string bucket;
  std::vector<std::string> key_segments;

  // Returns the normalised text: "s3://bucket" for the bucket root, else
  // "s3://bucket/seg1/seg2" without a trailing slash.
  std::string to_string() const;

  // Returns "seg1/seg2" (empty for the bucket root).
  std::string key() const;

  // Returns true when this location, read as a prefix, covers `other` on
  // whole segments: s3://b/data covers s3://b/data and s3://b/data/x, not
  // s3://b/database. A bucket root covers every location in the bucket.
  bool covers(const Location& other) const;

  friend bool operator==(const Location&, const Location&) = default;
};

// Parses a location. `field` names it in errors (kInvalidArgument): missing
// scheme, a scheme other than s3/s3a/s3n, empty bucket, "." or ".."
// segments, empty segments in the middle ("a//b"), whitespace or control
// characters. One trailing slash is allowed and ignored.
Result<Location> parse_location(std::string_view field, std::string_view text);

// Finds the longest enabled location prefix covering a location, in
// O(depth) hash lookups. Not thread-safe; build one per snapshot of the
// authorities.
class LocationIndex {
 public:
  struct Entry {
    std::string authority_id;
    Location prefix;
    std::int64_t created_at_ms = 0;
  };

  // Adds an enabled prefix. Disabled authorities are simply not added.
  void add(Entry entry);

  // Returns the entry with the longest prefix covering `location`, or
  // nullptr. Equal prefixes: the earliest created wins, then the smallest
  // authority id.
  const Entry* find(const Location& location) const;

  // Returns the entries whose normalised prefix equals `prefix`, in tie order.
  const std::vector<Entry>* find_exact(const Location& prefix) const;

  std::size_t size() const { return size_; }

 private:
  std::unordered_map<std::string, std::vector<Entry>> by_prefix_;
  std::size_t size_ = 0;
};

}  // namespace floecat::catalog
