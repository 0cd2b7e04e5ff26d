// Fuzzes parse_location and LocationIndex.
//
// Input: one entry per line. A line "A<c><location>" adds a storage
// authority prefix: the low two bits of <c> give its creation time, so that
// ties are common, and its id counts down with the line number, so that the
// id tie-break is exercised. Every other line is a location to look up.
//
// Checked: parsing the normalised text gives the same location back, every
// found prefix covers the location, and LocationIndex::find returns the same
// entry as a linear scan over every added prefix.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "catalog/location.h"
#include "fuzz/fuzz_support.h"

namespace {

using floecat::catalog::Location;
using floecat::catalog::LocationIndex;
using floecat::fuzz::check;

// Returns true when `a` is a better match than `b`: a longer prefix, then
// the earlier creation time, then the smaller authority id.
bool better_match(const LocationIndex::Entry& a, const LocationIndex::Entry& b) {
  if (a.prefix.key_segments.size() != b.prefix.key_segments.size()) {
    return a.prefix.key_segments.size() > b.prefix.key_segments.size();
  }
  return std::tie(a.created_at_ms, a.authority_id) < std::tie(b.created_at_ms, b.authority_id);
}

const LocationIndex::Entry* linear_find(const std::vector<LocationIndex::Entry>& entries,
                                        const Location& location) {
  const LocationIndex::Entry* best = nullptr;
  for (const LocationIndex::Entry& entry : entries) {
    if (entry.prefix.covers(location) && (best == nullptr || better_match(entry, *best))) {
      best = &entry;
    }
  }
  return best;
}

void check_round_trip(const Location& location) {
  std::string text = location.to_string();
  floecat::Result<Location> again = floecat::catalog::parse_location("location", text);
  check(again.ok(), "the normalised text of a parsed location does not parse");
  check(*again == location, "parsing the normalised text gives another location");
  check(again->to_string() == text, "normalising twice changes the text");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines = floecat::fuzz::split_lines(input);

  LocationIndex index;
  std::vector<LocationIndex::Entry> entries;
  std::vector<Location> queries;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    bool is_prefix = line.size() >= 2 && line.front() == 'A';
    std::string_view text = is_prefix ? line.substr(2) : line;
    floecat::Result<Location> parsed = floecat::catalog::parse_location("location", text);
    if (!parsed.ok()) {
      check(parsed.status().code() == floecat::StatusCode::kInvalidArgument,
            "parse_location failed with a code other than kInvalidArgument");
      continue;
    }
    check_round_trip(*parsed);
    if (is_prefix) {
      LocationIndex::Entry entry;
      entry.authority_id = "authority-" + std::to_string(1000 - i);
      entry.prefix = *parsed;
      entry.created_at_ms = static_cast<unsigned char>(line[1]) & 3;
      entries.push_back(entry);
      index.add(std::move(entry));
    } else {
      queries.push_back(std::move(*parsed));
    }
  }
  check(index.size() == entries.size(), "LocationIndex::size differs from the entries added");

  for (const Location& location : queries) {
    const LocationIndex::Entry* found = index.find(location);
    const LocationIndex::Entry* expected = linear_find(entries, location);
    check((found == nullptr) == (expected == nullptr),
          "LocationIndex::find and the linear scan disagree on whether a prefix matches");
    if (found == nullptr) {
      continue;
    }
    check(found->prefix.covers(location),
          "LocationIndex::find returned a prefix that does not "
          "cover the location");
    check(found->prefix == expected->prefix,
          "LocationIndex::find returned another prefix than "
          "the linear scan");
    check(found->authority_id == expected->authority_id,
          "LocationIndex::find broke a tie differently from the linear scan");
  }

  for (const LocationIndex::Entry& entry : entries) {
    const std::vector<LocationIndex::Entry>* exact = index.find_exact(entry.prefix);
    check(exact != nullptr && !exact->empty(), "find_exact misses an added prefix");
  }
  return 0;
}
