#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "core/clock.h"
#include "records/sqlite_record_store.h"
#include "secrets/local_secrets_store.h"

namespace floecat::catalog::testing_support {

// A SecretsStore decorator that fails one chosen call, as a secrets backend
// outage would (the real local store cannot be made to fail on demand).
class FailingSecretsStore final : public secrets::SecretsStore {
 public:
  enum class Operation { kNone, kPut, kGet, kUpdate, kRemove, kList };

  explicit FailingSecretsStore(secrets::SecretsStore& inner) : inner_(inner) {}

  // Makes the `nth` next call (1 = the very next) of `operation` fail with
  // kUnavailable; later calls succeed again.
  void fail(Operation operation, int nth = 1) {
    operation_ = operation;
    remaining_ = nth;
  }

  int calls(Operation operation) const { return counts_[static_cast<int>(operation)]; }

  Result<std::string> put(const secrets::SecretKey& key, const SecretBytes& payload) override;
  Result<std::optional<SecretBytes>> get(const secrets::SecretKey& key) override;
  Result<std::string> update(const secrets::SecretKey& key, const SecretBytes& payload) override;
  Status remove(const secrets::SecretKey& key) override;
  Result<std::vector<secrets::SecretKey>> list_for_account(std::string_view account_id) override;

  Result<std::map<std::string, std::string>> tags(const secrets::SecretKey& key) override {
    return inner_.tags(key);
  }

  Status check_ready() override { return inner_.check_ready(); }

  std::string_view backend_name() const override { return inner_.backend_name(); }

 private:
  // Returns an injected outage when this call is the chosen one.
  Status next_call(Operation operation);

  secrets::SecretsStore& inner_;
  Operation operation_ = Operation::kNone;
  int remaining_ = 0;
  int counts_[6] = {};
};

// Real stores in a fresh temporary directory: SQLite records and the local
// (AES-GCM sealed SQLite) secrets store, behind a FailingSecretsStore.
class CatalogTest : public testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Creates an account or fails the test.
  void create_account(std::string_view id);

  // Runs `result` or fails the test with its status; returns the value.
  static nlohmann::json ok_or_fail(const Result<nlohmann::json>& result);

  // Returns the bytes of the records database and its WAL file.
  std::string records_file_bytes() const;

  // Returns the current payload of a secret, or nullopt.
  std::optional<std::string> secret_text(std::string_view account,
                                         std::string_view type,
                                         std::string_view id);

  std::size_t secret_count(std::string_view account);

  std::filesystem::path dir_;
  ManualClock clock_{std::chrono::system_clock::time_point(std::chrono::milliseconds(1000))};
  std::unique_ptr<records::SqliteRecordStore> records_;
  std::unique_ptr<secrets::LocalSecretsStore> local_secrets_;
  std::unique_ptr<FailingSecretsStore> secrets_;
  std::unique_ptr<Catalog> catalog_;
};

}  // namespace floecat::catalog::testing_support
