// Longest-prefix matching of storage authorities: LocationIndex against a
// linear scan over the same 10,000 prefixes, in one run.
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "catalog/location.h"

namespace floecat::catalog {
namespace {

constexpr int kAuthorities = 10000;
constexpr int kLocations = 1024;

struct Workload {
  std::vector<LocationIndex::Entry> entries;
  std::vector<Location> locations;
  LocationIndex index;
};

Location parse_or_die(const std::string& text) {
  auto parsed = parse_location("location", text);
  if (!parsed.ok()) {
    std::abort();
  }
  return std::move(parsed).value();
}

// 100 buckets, prefixes one to four segments deep, and table locations five
// to eight segments deep that often fall under one of the prefixes.
const Workload& workload() {
  static const Workload* built = [] {
    auto* work = new Workload();
    std::mt19937 random(7);
    auto path = [&](int depth) {
      std::string text = "s3://bucket-" + std::to_string(random() % 100);
      for (int i = 0; i < depth; ++i) {
        text += "/d" + std::to_string(random() % 10);
      }
      return text;
    };
    for (int i = 0; i < kAuthorities; ++i) {
      LocationIndex::Entry entry{"authority-" + std::to_string(i),
                                 parse_or_die(path(1 + static_cast<int>(random() % 4))), i};
      work->entries.push_back(entry);
      work->index.add(entry);
    }
    for (int i = 0; i < kLocations; ++i) {
      work->locations.push_back(
          parse_or_die(path(5 + static_cast<int>(random() % 4)) + "/part-0.parquet"));
    }
    return work;
  }();
  return *built;
}

const LocationIndex::Entry* linear_find(const std::vector<LocationIndex::Entry>& entries,
                                        const Location& location) {
  const LocationIndex::Entry* best = nullptr;
  for (const LocationIndex::Entry& entry : entries) {
    if (!entry.prefix.covers(location)) {
      continue;
    }
    if (best == nullptr || entry.prefix.key_segments.size() > best->prefix.key_segments.size()) {
      best = &entry;
    }
  }
  return best;
}

void BM_IndexLookup(benchmark::State& state) {
  const Workload& work = workload();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(work.index.find(work.locations[i++ % work.locations.size()]));
  }
}

BENCHMARK(BM_IndexLookup);

void BM_LinearScan(benchmark::State& state) {
  const Workload& work = workload();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        linear_find(work.entries, work.locations[i++ % work.locations.size()]));
  }
}

BENCHMARK(BM_LinearScan);

void BM_IndexBuild(benchmark::State& state) {
  const Workload& work = workload();
  for (auto _ : state) {
    LocationIndex index;
    for (const LocationIndex::Entry& entry : work.entries) {
      index.add(entry);
    }
    benchmark::DoNotOptimize(index.size());
  }
}

BENCHMARK(BM_IndexBuild)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace floecat::catalog

BENCHMARK_MAIN();
