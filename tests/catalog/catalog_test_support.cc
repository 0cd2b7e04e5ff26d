#include "catalog_test_support.h"

#include <fstream>
#include <iterator>

#include "core/ids.h"

namespace floecat::catalog::testing_support {

namespace fs = std::filesystem;

Status FailingSecretsStore::next_call(Operation operation) {
  ++counts_[static_cast<int>(operation)];
  if (operation != operation_ || remaining_ <= 0) {
    return Status::ok_status();
  }
  if (--remaining_ > 0) {
    return Status::ok_status();
  }
  operation_ = Operation::kNone;
  return unavailable("injected secrets backend outage");
}

Result<std::string> FailingSecretsStore::put(const secrets::SecretKey& key,
                                             const SecretBytes& payload) {
  FLOECAT_RETURN_IF_ERROR(next_call(Operation::kPut));
  return inner_.put(key, payload);
}

Result<std::optional<SecretBytes>> FailingSecretsStore::get(const secrets::SecretKey& key) {
  FLOECAT_RETURN_IF_ERROR(next_call(Operation::kGet));
  return inner_.get(key);
}

Result<std::string> FailingSecretsStore::update(const secrets::SecretKey& key,
                                                const SecretBytes& payload) {
  FLOECAT_RETURN_IF_ERROR(next_call(Operation::kUpdate));
  return inner_.update(key, payload);
}

Status FailingSecretsStore::remove(const secrets::SecretKey& key) {
  FLOECAT_RETURN_IF_ERROR(next_call(Operation::kRemove));
  return inner_.remove(key);
}

Result<std::vector<secrets::SecretKey>> FailingSecretsStore::list_for_account(
    std::string_view account_id) {
  FLOECAT_RETURN_IF_ERROR(next_call(Operation::kList));
  return inner_.list_for_account(account_id);
}

void CatalogTest::SetUp() {
  dir_ = fs::temp_directory_path() / ("floecat-catalog-" + new_uuid());
  fs::create_directories(dir_);

  auto records = records::SqliteRecordStore::open((dir_ / "records.db").string(), clock_);
  ASSERT_TRUE(records.ok()) << records.status();
  records_ = std::move(records).value();

  secrets::LocalSecretsStoreOptions options;
  options.database_path = (dir_ / "secrets.db").string();
  options.key_file_path = (dir_ / "master.key").string();
  options.env = [](const std::string&) { return std::optional<std::string>(); };
  options.clock = &clock_;
  auto secrets = secrets::LocalSecretsStore::open(options);
  ASSERT_TRUE(secrets.ok()) << secrets.status();
  local_secrets_ = std::move(secrets).value();
  secrets_ = std::make_unique<FailingSecretsStore>(*local_secrets_);

  catalog_ = std::make_unique<Catalog>(*secrets_, *records_, clock_);
}

void CatalogTest::TearDown() {
  catalog_.reset();
  secrets_.reset();
  local_secrets_.reset();
  records_.reset();
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

void CatalogTest::create_account(std::string_view id) {
  nlohmann::json body = {{"id", id}, {"display_name", std::string("Account ") + std::string(id)}};
  auto created = catalog_->accounts().create(body.dump());
  ASSERT_TRUE(created.ok()) << created.status();
}

nlohmann::json CatalogTest::ok_or_fail(const Result<nlohmann::json>& result) {
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? result.value() : nlohmann::json();
}

std::string CatalogTest::records_file_bytes() const {
  std::string bytes;
  for (const char* name : {"records.db", "records.db-wal"}) {
    std::ifstream file(dir_ / name, std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  }
  return bytes;
}

std::optional<std::string> CatalogTest::secret_text(std::string_view account,
                                                    std::string_view type,
                                                    std::string_view id) {
  auto key = secrets::SecretKey::make(account, type, id);
  EXPECT_TRUE(key.ok()) << key.status();
  auto payload = local_secrets_->get(*key);
  EXPECT_TRUE(payload.ok()) << payload.status();
  if (!payload.ok() || !payload->has_value()) {
    return std::nullopt;
  }
  return std::string((*payload)->expose());
}

std::size_t CatalogTest::secret_count(std::string_view account) {
  auto keys = local_secrets_->list_for_account(account);
  EXPECT_TRUE(keys.ok()) << keys.status();
  return keys.ok() ? keys->size() : 0;
}

}  // namespace floecat::catalog::testing_support
