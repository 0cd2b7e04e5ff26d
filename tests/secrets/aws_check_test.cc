#include <gtest/gtest.h>

#include "aws/moto_support.h"
#include "secrets/check.h"

namespace floecat::secrets {
namespace {

using aws::testing::MotoServer;

class SecretsCheckTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { moto_ = MotoServer::start().release(); }

  static void TearDownTestSuite() {
    delete moto_;
    moto_ = nullptr;
  }

  void SetUp() override { ASSERT_NE(moto_, nullptr) << "moto_server did not start"; }

  std::unique_ptr<AwsSecretsStore> open_store(aws::Credentials credentials,
                                              std::string role_arn = "") {
    AwsSecretsStoreOptions options;
    options.secrets_endpoint = moto_->endpoint("secretsmanager");
    options.sts_endpoint = moto_->endpoint("sts");
    options.role_arn = std::move(role_arn);
    options.context.transport = std::make_shared<aws::CurlTransport>();
    options.context.credentials =
        std::make_shared<aws::StaticCredentialsProvider>(std::move(credentials));
    auto store = AwsSecretsStore::create(std::move(options));
    EXPECT_TRUE(store.ok()) << store.status();
    return std::move(*store);
  }

  static MotoServer* moto_;
};

MotoServer* SecretsCheckTest::moto_ = nullptr;

const CheckStep* find_step(const CheckReport& report, std::string_view prefix) {
  for (const CheckStep& step : report.steps) {
    if (step.name.rfind(prefix, 0) == 0) {
      return &step;
    }
  }
  return nullptr;
}

TEST_F(SecretsCheckTest, DirectModePasses) {
  auto store = open_store(moto_->user_credentials());

  CheckReport report = run_secrets_check(*store, "acct-check");

  EXPECT_TRUE(report.ok()) << report.to_text();
  for (const char* name : {"resolve AWS credentials", "create probe secret", "put new value",
                           "get and compare", "describe and verify tag", "delete probe secret"}) {
    const CheckStep* step = find_step(report, name);
    ASSERT_NE(step, nullptr) << name;
    EXPECT_TRUE(step->ok) << name;
  }
  auto left = store->list_for_account("acct-check");
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty()) << "the probe secret was left behind";
}

TEST_F(SecretsCheckTest, MissingPermissionIsNamed) {
  auto store = open_store(moto_->limited_credentials());

  CheckReport report = run_secrets_check(*store, "acct-limited");

  EXPECT_FALSE(report.ok());
  const CheckStep* create = find_step(report, "create probe secret");
  ASSERT_NE(create, nullptr);
  EXPECT_TRUE(create->ok) << create->detail;
  const CheckStep* put = find_step(report, "put new value");
  ASSERT_NE(put, nullptr);
  EXPECT_FALSE(put->ok);
  EXPECT_NE(report.to_text().find("needs secretsmanager:PutSecretValue"), std::string::npos)
      << report.to_text();
}

TEST_F(SecretsCheckTest, WrongKeyStopsAtFirstCall) {
  aws::Credentials wrong = moto_->user_credentials();
  wrong.secret_access_key = SecretBytes("wrong-secret-key-value");
  auto store = open_store(std::move(wrong));

  CheckReport report = run_secrets_check(*store, "acct-wrong");

  EXPECT_FALSE(report.ok());
  const CheckStep* create = find_step(report, "create probe secret");
  ASSERT_NE(create, nullptr);
  EXPECT_FALSE(create->ok);
  EXPECT_EQ(report.to_text().find("wrong-secret-key-value"), std::string::npos);
  EXPECT_EQ(report.to_json()["ok"], false);
}

TEST_F(SecretsCheckTest, RoleModeReportsOpenFence) {
  // moto does not evaluate session tags in policies, and the test role may
  // use every secret, so the fence is open here and the check must say so.
  auto store = open_store(moto_->user_credentials(), moto_->role_arn());

  CheckReport report = run_secrets_check(*store, "acct-fence-a", "acct-fence-b");

  const CheckStep* assume = find_step(report, "assume role for account acct-fence-a");
  ASSERT_NE(assume, nullptr);
  EXPECT_TRUE(assume->ok) << assume->detail;
  const CheckStep* fence = find_step(report, "ABAC fence");
  ASSERT_NE(fence, nullptr) << report.to_text();
  EXPECT_FALSE(fence->ok);
  EXPECT_NE(fence->detail.find("did NOT hold"), std::string::npos);
  EXPECT_FALSE(report.ok());
  const CheckStep* cleanup = find_step(report, "delete probe secret accounts/acct-fence-b");
  ASSERT_NE(cleanup, nullptr);
  EXPECT_TRUE(cleanup->ok);
}

}  // namespace
}  // namespace floecat::secrets
