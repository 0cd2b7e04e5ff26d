#include <gtest/gtest.h>

#include "aws/errors.h"
#include "aws/sts_client.h"
#include "moto_support.h"

namespace floecat::aws {
namespace {

constexpr char kReordered[] =
    R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <SessionToken>
        FQoGZXIvYXdzEJr
        //////////wEaDOX
      </SessionToken>
      <Expiration>2019-11-09T13:34:41.123Z</Expiration>
      <SecretAccessKey> wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY </SecretAccessKey>
      <AccessKeyId>ASIAJEXAMPLEXEG2JICEA</AccessKeyId>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
    <AssumedRoleUser>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:s3-access-example</AssumedRoleId>
      <Arn>arn:aws:sts::123456789012:assumed-role/xaccounts3access/s3-access-example</Arn>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>)";

TEST(StsParsing, ReorderedElementsAndWrappedToken) {
  auto role = parse_assume_role_response(kReordered);

  ASSERT_TRUE(role.ok()) << role.status();
  EXPECT_EQ(role->credentials.access_key_id, "ASIAJEXAMPLEXEG2JICEA");
  EXPECT_EQ(role->credentials.secret_access_key.expose(),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
  EXPECT_EQ(role->credentials.session_token.expose(), "FQoGZXIvYXdzEJr//////////wEaDOX");
  ASSERT_TRUE(role->credentials.expiration.has_value());
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*role->credentials.expiration), 1573306481);
  EXPECT_EQ(role->packed_policy_size, 6);
  EXPECT_EQ(role->assumed_role_id, "AROA3XFRBF535PLBIFPI4:s3-access-example");
  EXPECT_EQ(role->request_id, "c6104cbe-af31-11e0-8154-cbc7ccf896c7");
}

TEST(StsParsing, MissingOptionalElements) {
  auto role = parse_assume_role_response(
      "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA1</AccessKeyId>"
      "<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"
      "<Expiration>2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult>"
      "</AssumeRoleResponse>");

  ASSERT_TRUE(role.ok()) << role.status();
  EXPECT_FALSE(role->packed_policy_size.has_value());
  EXPECT_EQ(role->assumed_role_arn, "");
}

TEST(StsParsing, MissingCredentialsIsError) {
  auto role =
      parse_assume_role_response("<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>");
  EXPECT_EQ(role.status().code(), StatusCode::kUnavailable);
}

TEST(StsParsing, MissingSessionTokenIsError) {
  auto role = parse_assume_role_response(
      "<AssumeRoleResponse><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>s"
      "</SecretAccessKey><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>"
      "</AssumeRoleResponse>");
  EXPECT_EQ(role.status().code(), StatusCode::kUnavailable);
}

TEST(StsParsing, BadExpirationIsError) {
  auto role = parse_assume_role_response(
      "<R><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
      "<SessionToken>t</SessionToken><Expiration>tomorrow</Expiration></Credentials></R>");
  EXPECT_FALSE(role.ok());
}

// A year far from now used to overflow system_clock's nanosecond count.
TEST(StsParsing, ExpirationOutOfRangeIsError) {
  for (const char* text : {"1012-02-29T23:59:60Z", "9999-01-01T00:00:00Z", "2019-13-09T13:34:41Z",
                           "2019-11-09T24:00:00Z", "2019-11-09T-1:00:00Z"}) {
    auto parsed = parse_iso8601(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kUnavailable) << text;
    EXPECT_NE(parsed.status().message().find("out of range"), std::string::npos) << text;
  }
  auto leap_second = parse_iso8601("2016-12-31T23:59:60Z");
  EXPECT_TRUE(leap_second.ok());
}

TEST(StsParsing, NotXmlIsError) {
  EXPECT_FALSE(parse_assume_role_response("{\"json\": true}").ok());
}

TEST(StsParsing, PackedPolicyTooLargeError) {
  HttpResponse response;
  response.status = 400;
  response.body =
      "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender"
      "</Type><Code>PackedPolicyTooLarge</Code><Message>Packed policy consumes 112% of allotted "
      "space</Message></Error><RequestId>r-1</RequestId></ErrorResponse>";
  AwsError error = parse_query_error(response);
  EXPECT_EQ(error.code, "PackedPolicyTooLarge");
  EXPECT_EQ(error.request_id, "r-1");
}

TEST(StsParsing, CallerIdentity) {
  auto identity = parse_caller_identity_response(
      "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::1:user/u</Arn>"
      "<UserId>AIDA</UserId><Account>1</Account></GetCallerIdentityResult>"
      "</GetCallerIdentityResponse>");
  ASSERT_TRUE(identity.ok());
  EXPECT_EQ(identity->account, "1");
  EXPECT_EQ(identity->arn, "arn:aws:iam::1:user/u");
}

TEST(SessionName, SanitisedAndBounded) {
  EXPECT_EQ(session_name_for_account("acme"), "floecat-acme");
  EXPECT_EQ(session_name_for_account("a b/c:d\xC3\xA9"), "floecat-a-b-c-d--");
  EXPECT_EQ(session_name_for_account(std::string(100, 'x')).size(), 64u);
  EXPECT_EQ(session_name_for_account("").size(), 8u);
}

AssumeRoleRequest valid_request() {
  AssumeRoleRequest request;
  request.role_arn = "arn:aws:iam::123456789012:role/floecat";
  request.role_session_name = "floecat-acme";
  request.tags = {{"AccountId", "acme"}};
  return request;
}

TEST(AssumeRoleValidation, Limits) {
  EXPECT_TRUE(validate_assume_role_request(valid_request()).ok());

  struct Case {
    const char* name;
    std::function<void(AssumeRoleRequest&)> change;
    bool valid;
  };

  std::vector<Case> cases = {
      {"session name 1 char", [](auto& r) { r.role_session_name = "a"; }, false},
      {"session name 2 chars", [](auto& r) { r.role_session_name = "ab"; }, true},
      {"session name 64 chars", [](auto& r) { r.role_session_name = std::string(64, 'a'); }, true},
      {"session name 65 chars", [](auto& r) { r.role_session_name = std::string(65, 'a'); }, false},
      {"session name with space", [](auto& r) { r.role_session_name = "a b"; }, false},
      {"duration 899", [](auto& r) { r.duration_seconds = 899; }, false},
      {"duration 900", [](auto& r) { r.duration_seconds = 900; }, true},
      {"duration 43200", [](auto& r) { r.duration_seconds = 43200; }, true},
      {"duration 43201", [](auto& r) { r.duration_seconds = 43201; }, false},
      {"tag keys differ in case",
       [](auto& r) {
         r.tags.push_back({"accountid", "x"});
       },
       false},
      {"51 tags",
       [](auto& r) {
         for (int i = 0; i < 50; ++i) {
           r.tags.push_back({"k" + std::to_string(i), "v"});
         }
       },
       false},
      {"tag value 257 chars", [](auto& r) { r.tags[0].second = std::string(257, 'v'); }, false},
      {"policy 2049 chars", [](auto& r) { r.policy = std::string(2049, ' '); }, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    AssumeRoleRequest request = valid_request();
    c.change(request);
    EXPECT_EQ(validate_assume_role_request(request).ok(), c.valid);
  }
}

class StsMotoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { moto_ = testing::MotoServer::start().release(); }

  static void TearDownTestSuite() {
    delete moto_;
    moto_ = nullptr;
  }

  void SetUp() override { ASSERT_NE(moto_, nullptr); }

  std::shared_ptr<StsClient> client(Credentials credentials) {
    ServiceContext context;
    context.transport = std::make_shared<CurlTransport>();
    context.credentials = std::make_shared<StaticCredentialsProvider>(std::move(credentials));
    return std::make_shared<StsClient>(moto_->endpoint("sts"), context);
  }

  static testing::MotoServer* moto_;
};

testing::MotoServer* StsMotoTest::moto_ = nullptr;

TEST_F(StsMotoTest, AssumeRoleWithTags) {
  AssumeRoleRequest request = valid_request();
  request.role_arn = moto_->role_arn();
  request.transitive_tag_keys = {"AccountId"};
  request.duration_seconds = 900;

  auto role = client(moto_->user_credentials())->assume_role(request);

  ASSERT_TRUE(role.ok()) << role.status();
  EXPECT_EQ(role->credentials.access_key_id.rfind("ASIA", 0), 0u);
  EXPECT_FALSE(role->credentials.session_token.empty());
  EXPECT_NE(role->assumed_role_arn.find("floecat-acme"), std::string::npos);
}

TEST_F(StsMotoTest, CallerIdentityOfUser) {
  auto identity = client(moto_->user_credentials())->get_caller_identity();
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->arn, "arn:aws:iam::123456789012:user/floecat");
}

TEST_F(StsMotoTest, WrongKeyIsDenied) {
  Credentials wrong = moto_->user_credentials();
  wrong.secret_access_key = SecretBytes("wrong-secret-key");
  auto identity = client(std::move(wrong))->get_caller_identity();
  EXPECT_EQ(identity.status().code(), StatusCode::kPermissionDenied) << identity.status();
}

TEST_F(StsMotoTest, UntrustedCallerGetsTrustPolicyHint) {
  // The role's trust policy names only the "floecat" user, so a role
  // session (itself an assumed role) may not assume it again.
  AssumeRoleRequest request = valid_request();
  request.role_arn = moto_->role_arn();
  auto first = client(moto_->user_credentials())->assume_role(request);
  ASSERT_TRUE(first.ok()) << first.status();

  auto second = client(std::move(first->credentials))->assume_role(request);

  ASSERT_EQ(second.status().code(), StatusCode::kPermissionDenied) << second.status();
  EXPECT_NE(second.status().message().find(moto_->role_arn()), std::string::npos);
  EXPECT_NE(second.status().message().find("sts:TagSession"), std::string::npos);
}

TEST_F(StsMotoTest, ProviderCachesUntilRefreshMargin) {
  ManualClock clock(std::chrono::system_clock::now());
  AssumeRoleRequest request = valid_request();
  request.role_arn = moto_->role_arn();
  request.duration_seconds = 900;
  AssumeRoleCredentialsProvider provider(client(moto_->user_credentials()), request, &clock);

  ASSERT_TRUE(provider.credentials().ok());
  ASSERT_TRUE(provider.credentials().ok());
  EXPECT_EQ(provider.assume_role_calls(), 1);

  // 900 s sessions are refreshed once fewer than 300 s remain.
  clock.advance(std::chrono::seconds(601));
  ASSERT_TRUE(provider.credentials().ok());
  EXPECT_EQ(provider.assume_role_calls(), 2);
}

}  // namespace
}  // namespace floecat::aws
