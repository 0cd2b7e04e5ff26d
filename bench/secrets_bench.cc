// Throughput of secret naming and of the local secrets store.
//
// Run: build-dir/bench/secrets_bench. The store benchmarks use a temporary
// directory and a fixed test key, so they measure SQLite (WAL, synchronous
// FULL) and AES-256-GCM on the local disk.

#include <filesystem>
#include <string>

#include <benchmark/benchmark.h>

#include "core/ids.h"
#include "core/logging.h"
#include "secrets/local_secrets_store.h"
#include "secrets/secret_key.h"

namespace floecat::secrets {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBenchKeyHex =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

void BM_SecretKeyMakeOrdinary(benchmark::State& state) {
  for (auto _ : state) {
    auto key = SecretKey::make("acct-123", kConnectorsType, "6f1c3a8e-2b7d-4c1e-9f00-1234567890ab");
    benchmark::DoNotOptimize(key);
  }
}

BENCHMARK(BM_SecretKeyMakeOrdinary);

void BM_SecretKeyMakeEscaped(benchmark::State& state) {
  for (auto _ : state) {
    auto key = SecretKey::make("acct 1/é", kConnectorsType, "id/with%chars+and=signs@host");
    benchmark::DoNotOptimize(key);
  }
}

BENCHMARK(BM_SecretKeyMakeEscaped);

// A store in a fresh temporary directory, removed when the benchmark ends.
class TemporaryStore {
 public:
  TemporaryStore() : dir_(fs::temp_directory_path() / ("floecat-bench-" + new_uuid())) {
    fs::create_directories(dir_);
    // One info line per put would dominate the measurement.
    logger().set_level(spdlog::level::warn);
    LocalSecretsStoreOptions options;
    options.database_path = (dir_ / "secrets.db").string();
    options.env = [](const std::string& name) -> std::optional<std::string> {
      if (name == kLocalKeyEnvVar) {
        return std::string(kBenchKeyHex);
      }
      return std::nullopt;
    };
    auto store = LocalSecretsStore::open(options);
    if (store.ok()) {
      store_ = std::move(store).value();
    } else {
      error_ = store.status().to_string();
    }
  }

  ~TemporaryStore() {
    store_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  LocalSecretsStore* store() { return store_.get(); }

  const std::string& error() const { return error_; }

 private:
  fs::path dir_;
  std::unique_ptr<LocalSecretsStore> store_;
  std::string error_;
};

void BM_LocalStorePut1KiB(benchmark::State& state) {
  TemporaryStore temporary;
  if (temporary.store() == nullptr) {
    state.SkipWithError(temporary.error().c_str());
    return;
  }
  const SecretBytes payload(std::string(1024, 'p'));
  std::int64_t i = 0;
  for (auto _ : state) {
    auto key = SecretKey::make("acct-1", kConnectorsType, "conn-" + std::to_string(i++ % 100));
    auto version = temporary.store()->put(*key, payload);
    if (!version.ok()) {
      state.SkipWithError(version.status().to_string().c_str());
      break;
    }
  }
  state.SetBytesProcessed(state.iterations() * 1024);
}

BENCHMARK(BM_LocalStorePut1KiB);

void BM_LocalStoreGet1KiB(benchmark::State& state) {
  TemporaryStore temporary;
  if (temporary.store() == nullptr) {
    state.SkipWithError(temporary.error().c_str());
    return;
  }
  const SecretBytes payload(std::string(1024, 'p'));
  for (int i = 0; i < 100; ++i) {
    auto key = SecretKey::make("acct-1", kConnectorsType, "conn-" + std::to_string(i));
    if (!temporary.store()->put(*key, payload).ok()) {
      state.SkipWithError("setup put failed");
      return;
    }
  }
  std::int64_t i = 0;
  for (auto _ : state) {
    auto key = SecretKey::make("acct-1", kConnectorsType, "conn-" + std::to_string(i++ % 100));
    auto read = temporary.store()->get(*key);
    if (!read.ok() || !read->has_value()) {
      state.SkipWithError("get failed");
      break;
    }
    benchmark::DoNotOptimize(read);
  }
  state.SetBytesProcessed(state.iterations() * 1024);
}

BENCHMARK(BM_LocalStoreGet1KiB);

}  // namespace
}  // namespace floecat::secrets

BENCHMARK_MAIN();
