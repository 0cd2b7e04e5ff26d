#include "secrets/aws_secrets_store.h"

#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aws/errors.h"
#include "aws/moto_support.h"
#include "core/encoding.h"
#include "core/ids.h"

namespace floecat::secrets {
namespace {

using aws::testing::MotoServer;
using aws::testing::RecordingTransport;

std::string all_byte_values() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) {
    bytes.push_back(static_cast<char>(i));
  }
  return bytes;
}

SecretKey key_of(const std::string& account, const std::string& id) {
  return *SecretKey::make(account, kConnectorsType, id);
}

class AwsSecretsStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { moto_ = MotoServer::start().release(); }

  static void TearDownTestSuite() {
    delete moto_;
    moto_ = nullptr;
  }

  void SetUp() override { ASSERT_NE(moto_, nullptr) << "moto_server did not start"; }

  AwsSecretsStoreOptions options(aws::Credentials credentials, std::string role_arn = "") {
    AwsSecretsStoreOptions options;
    options.secrets_endpoint = moto_->endpoint("secretsmanager");
    options.sts_endpoint = moto_->endpoint("sts");
    options.role_arn = std::move(role_arn);
    recorder_ = std::make_shared<RecordingTransport>(std::make_shared<aws::CurlTransport>());
    options.context.transport = recorder_;
    options.context.credentials =
        std::make_shared<aws::StaticCredentialsProvider>(std::move(credentials));
    options.context.retry.deadline = std::chrono::milliseconds(20000);
    return options;
  }

  std::unique_ptr<AwsSecretsStore> open_store(std::string role_arn = "") {
    auto store = AwsSecretsStore::create(options(moto_->user_credentials(), std::move(role_arn)));
    EXPECT_TRUE(store.ok()) << store.status();
    return std::move(*store);
  }

  // Writes a secret with SecretString straight through the JSON protocol,
  // the way the Java implementation stores payloads.
  void create_with_secret_string(const std::string& name, const std::string& text) {
    aws::ServiceContext context;
    context.transport = std::make_shared<aws::CurlTransport>();
    context.credentials =
        std::make_shared<aws::StaticCredentialsProvider>(moto_->user_credentials());
    aws::ServiceClient client(moto_->endpoint("secretsmanager"), context, aws::parse_json_error);
    aws::HttpRequest request;
    request.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                       {"X-Amz-Target", "secretsmanager.CreateSecret"}};
    std::string body = nlohmann::json{{"Name", name}, {"SecretString", text}}.dump();
    request.body.assign(body.begin(), body.end());
    aws::CallOutcome outcome = client.call(request, "CreateSecret");
    ASSERT_TRUE(outcome.ok()) << outcome.status;
  }

  static MotoServer* moto_;
  std::shared_ptr<RecordingTransport> recorder_;
};

MotoServer* AwsSecretsStoreTest::moto_ = nullptr;

TEST_F(AwsSecretsStoreTest, RoundTripsEveryByteValue) {
  auto store = open_store();
  for (const std::string& payload :
       {all_byte_values(), std::string(1, '\0'), std::string(65536, '\xFF')}) {
    SCOPED_TRACE(payload.size());
    SecretKey key = key_of("acct-bytes", "c" + std::to_string(payload.size()));

    auto version = store->put(key, SecretBytes(payload));
    ASSERT_TRUE(version.ok()) << version.status();
    auto read = store->get(key);

    ASSERT_TRUE(read.ok()) << read.status();
    ASSERT_TRUE(read->has_value());
    EXPECT_TRUE((*read)->equals(SecretBytes(payload)));
  }
}

TEST_F(AwsSecretsStoreTest, RejectsPayloadOverLimit) {
  auto store = open_store();
  auto version = store->put(key_of("acct-big", "c1"), SecretBytes(std::string(65537, 'a')));
  EXPECT_EQ(version.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(AwsSecretsStoreTest, TagsSecretWithAccount) {
  auto store = open_store();
  SecretKey key = key_of("acct-tags", "c1");
  ASSERT_TRUE(store->put(key, SecretBytes("x")).ok());

  auto tags = store->tags(key);

  ASSERT_TRUE(tags.ok()) << tags.status();
  EXPECT_EQ(tags->at("AccountId"), "acct-tags");
}

TEST_F(AwsSecretsStoreTest, PutOverwritesExisting) {
  auto store = open_store();
  SecretKey key = key_of("acct-over", "c1");
  auto first = store->put(key, SecretBytes("first"));
  ASSERT_TRUE(first.ok());

  auto second = store->update(key, SecretBytes("second"));

  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(*first, *second);
  EXPECT_TRUE((*store->get(key))->equals(SecretBytes("second")));
}

TEST_F(AwsSecretsStoreTest, MissingSecretIsAbsent) {
  auto store = open_store();
  auto read = store->get(key_of("acct-none", "missing"));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_FALSE(read->has_value());
  EXPECT_TRUE(store->remove(key_of("acct-none", "missing")).ok());
  EXPECT_EQ(store->tags(key_of("acct-none", "missing")).status().code(), StatusCode::kNotFound);
}

TEST_F(AwsSecretsStoreTest, RemovedSecretIsAbsentAndNameReused) {
  auto store = open_store();
  SecretKey key = key_of("acct-reuse", "c1");
  ASSERT_TRUE(store->put(key, SecretBytes("old")).ok());

  ASSERT_TRUE(store->remove(key).ok());
  auto after_remove = store->get(key);
  ASSERT_TRUE(after_remove.ok()) << after_remove.status();
  EXPECT_FALSE(after_remove->has_value());
  EXPECT_TRUE(store->remove(key).ok()) << "removing twice is success";

  auto reused = store->put(key, SecretBytes("new"));
  ASSERT_TRUE(reused.ok()) << reused.status();
  auto read = store->get(key);
  ASSERT_TRUE(read.ok() && read->has_value()) << read.status();
  EXPECT_TRUE((*read)->equals(SecretBytes("new")));
}

TEST_F(AwsSecretsStoreTest, ListsOnlyOwnAccount) {
  auto store = open_store();
  ASSERT_TRUE(store->put(key_of("acct-list-a", "one"), SecretBytes("1")).ok());
  ASSERT_TRUE(store->put(key_of("acct-list-a", "two"), SecretBytes("2")).ok());
  ASSERT_TRUE(store->put(key_of("acct-list-b", "three"), SecretBytes("3")).ok());
  ASSERT_TRUE(store->put(key_of("acct-list-a", "gone"), SecretBytes("4")).ok());
  ASSERT_TRUE(store->remove(key_of("acct-list-a", "gone")).ok());

  auto keys = store->list_for_account("acct-list-a");

  ASSERT_TRUE(keys.ok()) << keys.status();
  std::set<std::string> ids;
  for (const auto& key : *keys) {
    ids.insert(key.secret_id());
  }
  EXPECT_EQ(ids, (std::set<std::string>{"one", "two"}));
}

TEST_F(AwsSecretsStoreTest, ReadsBase64SecretString) {
  auto store = open_store();
  SecretKey key = key_of("acct-java", "c1");
  create_with_secret_string(key.name(), base64_encode(std::string("\x00\x01java", 6)));

  auto read = store->get(key);

  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_TRUE(read->has_value());
  EXPECT_TRUE((*read)->equals(SecretBytes(std::string("\x00\x01java", 6))));
}

TEST_F(AwsSecretsStoreTest, RejectsPlainSecretString) {
  auto store = open_store();
  SecretKey key = key_of("acct-plain", "c1");
  create_with_secret_string(key.name(), "not base64 at all!");

  auto read = store->get(key);

  EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(read.status().message().find(key.name()), std::string::npos);
  EXPECT_EQ(read.status().message().find("not base64 at all"), std::string::npos);
}

TEST_F(AwsSecretsStoreTest, WrongSecretKeyIsDenied) {
  aws::Credentials wrong = moto_->user_credentials();
  wrong.secret_access_key = SecretBytes("definitely-not-the-right-secret-key");
  auto store = AwsSecretsStore::create(options(std::move(wrong)));
  ASSERT_TRUE(store.ok());

  auto read = (*store)->get(key_of("acct-wrong", "c1"));

  EXPECT_EQ(read.status().code(), StatusCode::kPermissionDenied) << read.status();
  EXPECT_EQ(read.status().message().find("definitely-not"), std::string::npos);
}

TEST_F(AwsSecretsStoreTest, RejectsRecoveryWindowOutOfRange) {
  auto bad = options(moto_->user_credentials());
  bad.recovery_window_days = 6;
  EXPECT_EQ(AwsSecretsStore::create(std::move(bad)).status().code(), StatusCode::kInvalidArgument);
}

// Returns the AccessKeyId inside an AssumeRole response body.
std::string issued_key(const std::string& body) {
  std::size_t start = body.find("<AccessKeyId>");
  std::size_t end = body.find("</AccessKeyId>");
  if (start == std::string::npos || end == std::string::npos) {
    return "";
  }
  return std::string(trim(body.substr(start + 13, end - start - 13)));
}

TEST_F(AwsSecretsStoreTest, RoleModeUsesOneTaggedSessionPerAccount) {
  auto store = open_store(moto_->role_arn());
  for (const std::string account : {"acct-role-a", "acct-role-b"}) {
    ASSERT_TRUE(store->put(key_of(account, "c1"), SecretBytes(account)).ok());
    auto read = store->get(key_of(account, "c1"));
    ASSERT_TRUE(read.ok() && read->has_value()) << read.status();
    EXPECT_TRUE((*read)->equals(SecretBytes(account)));
  }

  // Map each session's access key to the account its AssumeRole tagged.
  std::map<std::string, std::string> account_of_key;
  std::string user_key = moto_->user_credentials().access_key_id;
  for (const auto& exchange : recorder_->exchanges()) {
    if (exchange.target == "AssumeRole") {
      EXPECT_EQ(exchange.access_key_id, user_key);
      for (const std::string account : {"acct-role-a", "acct-role-b"}) {
        if (exchange.request_body.find("Tags.member.1.Key=AccountId&Tags.member.1.Value=" +
                                       account) != std::string::npos) {
          EXPECT_NE(exchange.request_body.find("RoleSessionName=floecat-" + account),
                    std::string::npos);
          account_of_key[issued_key(exchange.response_body)] = account;
        }
      }
    }
  }
  ASSERT_EQ(account_of_key.size(), 2u);

  int secrets_calls = 0;
  for (const auto& exchange : recorder_->exchanges()) {
    if (exchange.target.rfind("secretsmanager.", 0) != 0) {
      continue;
    }
    ++secrets_calls;
    ASSERT_EQ(account_of_key.count(exchange.access_key_id), 1u)
        << exchange.target << " used key " << exchange.access_key_id;
    EXPECT_NE(exchange.request_body.find(account_of_key[exchange.access_key_id]), std::string::npos)
        << exchange.target << " ran under the session of another account";
  }
  EXPECT_GE(secrets_calls, 4);
  EXPECT_EQ(store->assume_role_calls("acct-role-a"), 1);
  EXPECT_EQ(store->assume_role_calls("acct-role-b"), 1);
}

TEST_F(AwsSecretsStoreTest, TenThousandOperationsOneAssumeRole) {
  auto store = open_store(moto_->role_arn());
  SecretKey key = key_of("acct-burst", "c1");
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2500;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        auto read = store->get(key);
        if (!read.ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store->assume_role_calls("acct-burst"), 1);
  int assume_role_requests = 0;
  int secrets_requests = 0;
  for (const auto& exchange : recorder_->exchanges()) {
    assume_role_requests += exchange.target == "AssumeRole" ? 1 : 0;
    secrets_requests += exchange.target == "secretsmanager.GetSecretValue" ? 1 : 0;
  }
  EXPECT_EQ(assume_role_requests, 1);
  EXPECT_EQ(secrets_requests, kThreads * kPerThread);
}

}  // namespace
}  // namespace floecat::secrets

namespace floecat::secrets {
namespace {

EnvLookup env_of(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

Result<AwsSecretsStoreOptions> options_for(std::map<std::string, std::string> overrides,
                                           std::map<std::string, std::string> env) {
  EnvLookup lookup = env_of(std::move(env));
  auto config = Config::load(std::move(overrides), lookup, std::nullopt);
  EXPECT_TRUE(config.ok()) << config.status();
  return aws_store_options_from_config(*config, lookup);
}

TEST(AwsStoreConfig, EndpointPrecedence) {
  std::map<std::string, std::string> env = {
      {"AWS_REGION", "eu-west-1"},
      {"AWS_ENDPOINT_URL", "http://127.0.0.1:1001"},
      {"AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:1002"}};

  auto from_service_variable = options_for({}, env);
  ASSERT_TRUE(from_service_variable.ok()) << from_service_variable.status();
  EXPECT_EQ(from_service_variable->secrets_endpoint.origin, "http://127.0.0.1:1002");
  EXPECT_EQ(from_service_variable->sts_endpoint.origin, "http://127.0.0.1:1001");

  auto from_key =
      options_for({{"floecat.secrets.aws.endpoint", "http://127.0.0.1:1003/base"}}, env);
  ASSERT_TRUE(from_key.ok());
  EXPECT_EQ(from_key->secrets_endpoint.origin, "http://127.0.0.1:1003");
  EXPECT_EQ(from_key->secrets_endpoint.base_path, "/base");
}

TEST(AwsStoreConfig, RegionalDefaultEndpoints) {
  auto options = options_for({}, {{"AWS_DEFAULT_REGION", "ap-southeast-2"}});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->secrets_endpoint.origin,
            "https://secretsmanager.ap-southeast-2.amazonaws.com");
  EXPECT_EQ(options->sts_endpoint.origin, "https://sts.ap-southeast-2.amazonaws.com");
  EXPECT_EQ(options->secrets_endpoint.region, "ap-southeast-2");
  EXPECT_EQ(options->recovery_window_days, 7);
  EXPECT_FALSE(options->force_delete);
}

TEST(AwsStoreConfig, RegionKeyWinsOverEnvironment) {
  auto options =
      options_for({{"floecat.secrets.aws.region", "us-west-2"}}, {{"AWS_REGION", "eu-west-1"}});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->secrets_endpoint.region, "us-west-2");
}

TEST(AwsStoreConfig, MissingRegionNamesKey) {
  auto options = options_for({}, {});
  ASSERT_FALSE(options.ok());
  EXPECT_NE(options.status().message().find("floecat.secrets.aws.region"), std::string::npos);
}

TEST(AwsStoreConfig, RecoveryWindowOutOfRange) {
  for (const char* days : {"6", "31", "seven"}) {
    SCOPED_TRACE(days);
    auto options = options_for({{"floecat.secrets.aws.recovery-window-days", days}},
                               {{"AWS_REGION", "eu-west-1"}});
    ASSERT_FALSE(options.ok());
    EXPECT_NE(options.status().message().find("recovery-window-days"), std::string::npos);
  }
}

TEST(AwsStoreConfig, InvalidEndpointNamesSetting) {
  auto options = options_for({{"floecat.secrets.aws.endpoint", "ftp://127.0.0.1"}},
                             {{"AWS_REGION", "eu-west-1"}});
  ASSERT_FALSE(options.ok());
  EXPECT_NE(options.status().message().find("floecat.secrets.aws.endpoint"), std::string::npos);
}

}  // namespace
}  // namespace floecat::secrets
