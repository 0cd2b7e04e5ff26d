#include "vending/credential_vendor.h"

#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aws/credential_chain.h"
#include "aws/http_transport.h"
#include "aws/moto_support.h"
#include "aws/s3_client.h"
#include "catalog/location.h"
#include "secrets/local_secrets_store.h"
#include "secrets/secret_key.h"

namespace floecat::vending {
namespace {

using nlohmann::json;

// A real local secrets store that records the name of every secret read.
class KeyRecordingStore final : public secrets::SecretsStore {
 public:
  explicit KeyRecordingStore(std::unique_ptr<secrets::SecretsStore> inner)
      : inner_(std::move(inner)) {}

  Result<std::string> put(const secrets::SecretKey& key, const SecretBytes& payload) override {
    return inner_->put(key, payload);
  }

  Result<std::optional<SecretBytes>> get(const secrets::SecretKey& key) override {
    std::lock_guard<std::mutex> lock(mutex_);
    read_keys_.push_back(key);
    return inner_->get(key);
  }

  Result<std::string> update(const secrets::SecretKey& key, const SecretBytes& payload) override {
    return inner_->update(key, payload);
  }

  Status remove(const secrets::SecretKey& key) override { return inner_->remove(key); }

  Result<std::vector<secrets::SecretKey>> list_for_account(std::string_view account) override {
    return inner_->list_for_account(account);
  }

  Result<std::map<std::string, std::string>> tags(const secrets::SecretKey& key) override {
    return inner_->tags(key);
  }

  Status check_ready() override { return inner_->check_ready(); }

  std::string_view backend_name() const override { return "local"; }

  std::vector<secrets::SecretKey> read_keys() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return read_keys_;
  }

 private:
  std::unique_ptr<secrets::SecretsStore> inner_;
  mutable std::mutex mutex_;
  std::vector<secrets::SecretKey> read_keys_;
};

std::string form_value(const std::string& body, const std::string& name) {
  std::string marker = name + "=";
  std::size_t start = body.find(marker);
  if (start != 0 && start != std::string::npos) {
    start = body.find("&" + marker);
    start = start == std::string::npos ? start : start + 1;
  }
  if (start == std::string::npos) {
    return "";
  }
  start += marker.size();
  std::size_t end = body.find('&', start);
  std::string raw = body.substr(start, end == std::string::npos ? std::string::npos : end - start);
  return aws::uri_decode(raw);
}

class CredentialVendorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    moto_ = aws::testing::MotoServer::start(true);
    ASSERT_NE(moto_, nullptr);
    directory_ = std::filesystem::temp_directory_path() /
                 ("floecat-vending-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory_);
    secrets::LocalSecretsStoreOptions options;
    options.database_path = (directory_ / "secrets.db").string();
    options.key_file_path = (directory_ / "secrets.key").string();
    options.env = [](const std::string&) { return std::optional<std::string>(); };
    auto store = secrets::LocalSecretsStore::open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::make_unique<KeyRecordingStore>(std::move(*store));
    transport_ =
        std::make_shared<aws::testing::RecordingTransport>(std::make_shared<aws::CurlTransport>());
  }

  void TearDown() override {
    vendor_.reset();
    store_.reset();
    std::filesystem::remove_all(directory_);
  }

  void put_secret(std::string_view type, std::string_view id, const json& payload) {
    auto key = secrets::SecretKey::make("acme", type, id);
    ASSERT_TRUE(key.ok());
    ASSERT_TRUE(store_->put(*key, SecretBytes(payload.dump())).ok());
  }

  void put_user_keys(std::string_view authority_id, const aws::Credentials& keys) {
    put_secret(secrets::kStorageAuthoritiesType, authority_id,
               json{{"type", "aws"},
                    {"access_key_id", keys.access_key_id},
                    {"secret_access_key", std::string(keys.secret_access_key.expose())}});
  }

  void make_vendor() {
    VendorOptions options;
    options.transport = transport_;
    options.env = [](const std::string&) { return std::optional<std::string>(); };
    options.retry.max_attempts = 1;
    // An empty chain: authorities without source credentials fail loudly
    // instead of reaching for the developer's own AWS setup.
    options.ambient = std::make_shared<aws::CredentialsChain>(
        std::vector<std::shared_ptr<aws::CredentialsProvider>>{});
    auto vendor = CredentialVendor::create(std::move(options), AuthorityCredentialReader(*store_));
    ASSERT_TRUE(vendor.ok()) << vendor.status();
    vendor_ = std::move(*vendor);
  }

  json authority(std::string id) const {
    return json{{"id", std::move(id)},
                {"location_prefix", "s3://lake/warehouse"},
                {"region", "us-east-1"},
                {"endpoint", moto_->url()},
                {"sts_endpoint", moto_->url()},
                {"path_style_access", true},
                {"assume_role_arn", moto_->role_arn()}};
  }

  catalog::MintRequest request(json authority_json, std::string_view location, bool write = false) {
    auto parsed = catalog::parse_location("location", location);
    EXPECT_TRUE(parsed.ok());
    return catalog::MintRequest{"acme", std::move(authority_json), *parsed, write};
  }

  std::vector<std::string> assume_role_bodies() const {
    std::vector<std::string> bodies;
    for (const auto& exchange : transport_->exchanges()) {
      if (exchange.target == "AssumeRole") {
        bodies.push_back(exchange.request_body);
      }
    }
    return bodies;
  }

  std::unique_ptr<aws::testing::MotoServer> moto_;
  std::filesystem::path directory_;
  std::unique_ptr<KeyRecordingStore> store_;
  std::shared_ptr<aws::testing::RecordingTransport> transport_;
  std::unique_ptr<CredentialVendor> vendor_;
};

TEST_F(CredentialVendorTest, MintsScopedSessionOnce) {
  put_user_keys("auth-1", moto_->user_credentials());
  make_vendor();
  Result<json> first = vendor_->mint(request(authority("auth-1"), "s3://lake/warehouse/db/orders"));
  ASSERT_TRUE(first.ok()) << first.status();
  const json& config = (*first)["config"];
  EXPECT_EQ((*first)["prefix"], "s3://lake/warehouse/db/orders/");
  for (const char* key : {"s3.access-key-id", "s3.secret-access-key", "s3.session-token",
                          "s3.session-token-expires-at-ms", "client.region"}) {
    ASSERT_TRUE(config.contains(key)) << key;
    EXPECT_FALSE(config[key].get<std::string>().empty()) << key;
  }
  EXPECT_NE(config["s3.access-key-id"], moto_->user_credentials().access_key_id);
  EXPECT_EQ(config["s3.endpoint"], moto_->url());
  EXPECT_EQ(config["s3.path-style-access"], "true");
  EXPECT_EQ(config["s3.session-token-expires-at-ms"],
            std::to_string((*first)["expires_at_ms"].get<std::int64_t>()));

  Result<json> second =
      vendor_->mint(request(authority("auth-1"), "s3://lake/warehouse/db/orders/"));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ((*second)["config"]["s3.access-key-id"], config["s3.access-key-id"]);

  std::vector<std::string> bodies = assume_role_bodies();
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(form_value(bodies[0], "RoleArn"), moto_->role_arn());
  EXPECT_EQ(form_value(bodies[0], "RoleSessionName"), "floecat-acme");
  json policy = json::parse(form_value(bodies[0], "Policy"));
  EXPECT_EQ(policy["Statement"][0]["Resource"], "arn:aws:s3:::lake/warehouse/db/orders/*");
  EXPECT_EQ(vendor_->assume_role_calls(), 1u);
}

TEST_F(CredentialVendorTest, WriteAccessIsASeparateSession) {
  put_user_keys("auth-1", moto_->user_credentials());
  make_vendor();
  ASSERT_TRUE(vendor_->mint(request(authority("auth-1"), "s3://lake/warehouse/t")).ok());
  ASSERT_TRUE(vendor_->mint(request(authority("auth-1"), "s3://lake/warehouse/t", true)).ok());
  std::vector<std::string> bodies = assume_role_bodies();
  ASSERT_EQ(bodies.size(), 2u);
  json write_policy = json::parse(form_value(bodies[1], "Policy"));
  EXPECT_NE(write_policy.dump().find("s3:PutObject"), std::string::npos);
}

TEST_F(CredentialVendorTest, ConcurrentColdMintsCallStsOnce) {
  put_user_keys("auth-1", moto_->user_credentials());
  make_vendor();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      if (vendor_->mint(request(authority("auth-1"), "s3://lake/warehouse/hot")).ok()) {
        ++ok;
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(ok.load(), 16);
  EXPECT_EQ(assume_role_bodies().size(), 1u);
}

TEST_F(CredentialVendorTest, AuthorityWithoutRoleCannotVend) {
  put_user_keys("auth-1", moto_->user_credentials());
  make_vendor();
  json no_role = authority("auth-1");
  no_role.erase("assume_role_arn");
  Result<json> result = vendor_->mint(request(no_role, "s3://lake/warehouse/t"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(result.status().message().find("no assume_role_arn"), std::string::npos);
  EXPECT_EQ(result.status().message().find(moto_->user_credentials().access_key_id),
            std::string::npos);
  EXPECT_TRUE(assume_role_bodies().empty());
}

TEST_F(CredentialVendorTest, AccessDeniedNamesRoleAndTrustPolicy) {
  put_user_keys("auth-1", moto_->limited_credentials());
  make_vendor();
  Result<json> result = vendor_->mint(request(authority("auth-1"), "s3://lake/warehouse/t"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kPermissionDenied) << result.status();
  EXPECT_NE(result.status().message().find(moto_->role_arn()), std::string::npos)
      << result.status();
  EXPECT_NE(result.status().message().find("trust"), std::string::npos) << result.status();
  EXPECT_NE(result.status().message().find("s3://lake/warehouse/t"), std::string::npos)
      << result.status();
  // Errors are not cached: a second call asks STS again.
  EXPECT_FALSE(vendor_->mint(request(authority("auth-1"), "s3://lake/warehouse/t")).ok());
  EXPECT_EQ(assume_role_bodies().size(), 2u);
}

TEST_F(CredentialVendorTest, OversizePolicyIsRejectedBeforeSts) {
  put_user_keys("auth-1", moto_->user_credentials());
  make_vendor();
  std::string location = "s3://lake/warehouse/" + std::string(1900, 'k');
  Result<json> result = vendor_->mint(request(authority("auth-1"), location));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find(location), std::string::npos);
  EXPECT_TRUE(assume_role_bodies().empty());
}

TEST_F(CredentialVendorTest, ReadsOnlyStorageAuthoritySecrets) {
  // A connector secret under the same id holds working keys; the vendor
  // must not find it, so it falls back to the (empty) ambient chain.
  put_secret(secrets::kConnectorsType, "shared-id",
             json{{"type", "aws"},
                  {"access_key_id", moto_->user_credentials().access_key_id},
                  {"secret_access_key",
                   std::string(moto_->user_credentials().secret_access_key.expose())}});
  make_vendor();
  Result<json> result = vendor_->mint(request(authority("shared-id"), "s3://lake/warehouse/t"));
  EXPECT_FALSE(result.ok());
  ASSERT_FALSE(store_->read_keys().empty());
  for (const secrets::SecretKey& key : store_->read_keys()) {
    EXPECT_EQ(key.secret_type(), secrets::kStorageAuthoritiesType) << key.name();
  }
  EXPECT_TRUE(assume_role_bodies().empty());
}

TEST_F(CredentialVendorTest, AssumeRoleSourceChainsTwoSessions) {
  put_secret(secrets::kStorageAuthoritiesType, "auth-1",
             json{{"type", "aws-assume-role"}, {"role_arn", moto_->role_arn()}});
  VendorOptions options;
  options.transport = transport_;
  options.env = [](const std::string&) { return std::optional<std::string>(); };
  options.retry.max_attempts = 1;
  options.ambient = std::make_shared<aws::StaticCredentialsProvider>(moto_->user_credentials());
  auto vendor = CredentialVendor::create(std::move(options), AuthorityCredentialReader(*store_));
  ASSERT_TRUE(vendor.ok());
  vendor_ = std::move(*vendor);
  Result<json> result = vendor_->mint(request(authority("auth-1"), "s3://lake/warehouse/t"));
  // The first call makes the source session (no policy), the second uses it
  // to assume the authority's role with the session policy.
  std::vector<std::string> bodies = assume_role_bodies();
  ASSERT_EQ(bodies.size(), 2u) << result.status();
  EXPECT_TRUE(form_value(bodies[0], "Policy").empty());
  EXPECT_FALSE(form_value(bodies[1], "Policy").empty());
  // moto's role may only use Secrets Manager, so the second call is denied,
  // and the denial names the source role session as the caller.
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(result.status().message().find("assumed-role/floecat-secrets/floecat-acme"),
            std::string::npos)
      << result.status();
}

}  // namespace
}  // namespace floecat::vending
