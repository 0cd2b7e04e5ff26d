// Throughput of the SQLite record store on the local disk (WAL mode,
// synchronous FULL). Run: build-dir/bench/records_bench.

#include <filesystem>
#include <string>

#include <benchmark/benchmark.h>

#include "core/ids.h"
#include "core/logging.h"
#include "records/sqlite_record_store.h"

namespace floecat::records {
namespace {

namespace fs = std::filesystem;

// A store in a fresh temporary directory, removed when the benchmark ends.
class TemporaryStore {
 public:
  TemporaryStore() : dir_(fs::temp_directory_path() / ("floecat-bench-" + new_uuid())) {
    fs::create_directories(dir_);
    logger().set_level(spdlog::level::warn);
    auto store = SqliteRecordStore::open((dir_ / "records.db").string());
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

  SqliteRecordStore* store() { return store_.get(); }

  const std::string& error() const { return error_; }

 private:
  fs::path dir_;
  std::unique_ptr<SqliteRecordStore> store_;
  std::string error_;
};

Record connector(std::int64_t i) {
  Record record;
  record.kind = std::string(kConnectorKind);
  record.account_id = "acct-1";
  record.id = "conn-" + std::to_string(i);
  record.display_name = "connector " + std::to_string(i);
  record.body = std::string(512, 'b');
  return record;
}

void BM_RecordCreate(benchmark::State& state) {
  TemporaryStore temporary;
  if (temporary.store() == nullptr) {
    state.SkipWithError(temporary.error().c_str());
    return;
  }
  std::int64_t i = 0;
  for (auto _ : state) {
    auto created = temporary.store()->create(connector(i++));
    if (!created.ok()) {
      state.SkipWithError(created.status().to_string().c_str());
      break;
    }
  }
}

BENCHMARK(BM_RecordCreate);

void BM_RecordGet(benchmark::State& state) {
  TemporaryStore temporary;
  if (temporary.store() == nullptr) {
    state.SkipWithError(temporary.error().c_str());
    return;
  }
  for (std::int64_t i = 0; i < 1000; ++i) {
    if (!temporary.store()->create(connector(i)).ok()) {
      state.SkipWithError("setup create failed");
      return;
    }
  }
  std::int64_t i = 0;
  for (auto _ : state) {
    auto fetched =
        temporary.store()->get(kConnectorKind, "acct-1", "conn-" + std::to_string(i++ % 1000));
    if (!fetched.ok()) {
      state.SkipWithError(fetched.status().to_string().c_str());
      break;
    }
    benchmark::DoNotOptimize(fetched);
  }
}

BENCHMARK(BM_RecordGet);

void BM_RecordUpdate(benchmark::State& state) {
  TemporaryStore temporary;
  if (temporary.store() == nullptr) {
    state.SkipWithError(temporary.error().c_str());
    return;
  }
  auto created = temporary.store()->create(connector(0));
  if (!created.ok()) {
    state.SkipWithError(created.status().to_string().c_str());
    return;
  }
  std::int64_t version = created->version;
  for (auto _ : state) {
    auto updated = temporary.store()->update(connector(0), version);
    if (!updated.ok()) {
      state.SkipWithError(updated.status().to_string().c_str());
      break;
    }
    version = updated->version;
  }
}

BENCHMARK(BM_RecordUpdate);

}  // namespace
}  // namespace floecat::records

BENCHMARK_MAIN();
