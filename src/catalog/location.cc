#include "catalog/location.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "catalog/json_fields.h"

namespace floecat::catalog {

namespace {

constexpr std::string_view kSchemeSeparator = "://";

bool has_whitespace_or_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f;
  });
}

bool tie_order(const LocationIndex::Entry& a, const LocationIndex::Entry& b) {
  return std::tie(a.created_at_ms, a.authority_id) < std::tie(b.created_at_ms, b.authority_id);
}

}  // namespace

std::string Location::to_string() const {
  std::string text = fmt::format("{}://{}", scheme, bucket);
  for (const std::string& segment : key_segments) {
    text += '/';
    text += segment;
  }
  return text;
}

std::string Location::key() const {
  std::string text;
  for (const std::string& segment : key_segments) {
    if (!text.empty()) {
      text += '/';
    }
    text += segment;
  }
  return text;
}

bool Location::covers(const Location& other) const {
  if (scheme != other.scheme || bucket != other.bucket ||
      key_segments.size() > other.key_segments.size()) {
    return false;
  }
  return std::equal(key_segments.begin(), key_segments.end(), other.key_segments.begin());
}

Result<Location> parse_location(std::string_view field, std::string_view text) {
  if (text.empty()) {
    return invalid_argument(fmt::format("{} is required and must not be blank", field));
  }
  if (has_whitespace_or_control(text)) {
    return invalid_argument(
        fmt::format("{} must not contain whitespace or control characters", field));
  }
  std::size_t separator = text.find(kSchemeSeparator);
  if (separator == std::string_view::npos || separator == 0) {
    return invalid_argument(
        fmt::format("{} must start with a scheme, as in s3://bucket/path", field));
  }

  Location location;
  location.scheme = internal::to_lower(text.substr(0, separator));
  if (location.scheme == "s3a" || location.scheme == "s3n") {
    location.scheme = "s3";
  }
  if (location.scheme != "s3") {
    return invalid_argument(fmt::format("{} scheme must be s3, s3a or s3n", field));
  }

  std::string_view rest = text.substr(separator + kSchemeSeparator.size());
  while (!rest.empty() && rest.back() == '/') {
    rest.remove_suffix(1);
  }
  std::size_t slash = rest.find('/');
  location.bucket = std::string(rest.substr(0, slash));
  if (location.bucket.empty()) {
    return invalid_argument(fmt::format("{} must name a bucket after s3://", field));
  }
  if (location.bucket == "." || location.bucket == "..") {
    return invalid_argument(fmt::format("{} bucket must not be '.' or '..'", field));
  }

  while (slash != std::string_view::npos) {
    std::size_t start = slash + 1;
    slash = rest.find('/', start);
    std::string_view segment = rest.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment.empty()) {
      return invalid_argument(fmt::format("{} must not contain empty path segments (//)", field));
    }
    if (segment == "." || segment == "..") {
      return invalid_argument(fmt::format("{} must not contain '.' or '..' path segments", field));
    }
    location.key_segments.emplace_back(segment);
  }
  return location;
}

void LocationIndex::add(Entry entry) {
  std::vector<Entry>& entries = by_prefix_[entry.prefix.to_string()];
  auto position = std::upper_bound(entries.begin(), entries.end(), entry, tie_order);
  entries.insert(position, std::move(entry));
  ++size_;
}

const LocationIndex::Entry* LocationIndex::find(const Location& location) const {
  // Try the location itself, then each parent, ending at the bucket root.
  std::string candidate = location.to_string();
  std::size_t root_length =
      location.scheme.size() + kSchemeSeparator.size() + location.bucket.size();
  while (true) {
    auto it = by_prefix_.find(candidate);
    if (it != by_prefix_.end() && !it->second.empty()) {
      return &it->second.front();
    }
    if (candidate.size() <= root_length) {
      return nullptr;
    }
    candidate.resize(candidate.rfind('/'));
  }
}

const std::vector<LocationIndex::Entry>* LocationIndex::find_exact(const Location& prefix) const {
  auto it = by_prefix_.find(prefix.to_string());
  return it == by_prefix_.end() ? nullptr : &it->second;
}

}  // namespace floecat::catalog
