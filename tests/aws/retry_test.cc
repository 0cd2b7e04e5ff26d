#include "aws/retry.h"

#include <deque>
#include <memory>
#include <variant>

#include <gtest/gtest.h>

#include "aws/errors.h"
#include "aws/service_client.h"

namespace floecat::aws {
namespace {

using std::chrono::milliseconds;

// Stands in for faults a real server cannot be made to produce on demand:
// throttling, 5xx, connection resets and timeouts. Each call pops the next
// scripted response, and a timeout advances the clock by the attempt's timeout.
class ScriptedTransport final : public HttpTransport {
 public:
  explicit ScriptedTransport(ManualClock* clock) : clock_(clock) {}

  void respond(int status, std::string body) {
    HttpResponse response;
    response.status = status;
    response.body = WipingString(body.begin(), body.end());
    script_.push_back(std::move(response));
  }

  void fail(Status status) { script_.push_back(std::move(status)); }

  Result<HttpResponse> send(const HttpRequest& request, milliseconds timeout) override {
    ++calls;
    last_timeout = timeout;
    last_authorization =
        request.find_header("Authorization") ? *request.find_header("Authorization") : "";
    if (script_.empty()) {
      return internal_error("script exhausted");
    }
    auto next = std::move(script_.front());
    script_.pop_front();
    if (auto* status = std::get_if<Status>(&next)) {
      if (status->code() == StatusCode::kDeadlineExceeded) {
        clock_->advance(timeout);
      }
      return *status;
    }
    return std::get<HttpResponse>(std::move(next));
  }

  int calls = 0;
  milliseconds last_timeout{0};
  std::string last_authorization;

 private:
  ManualClock* clock_;
  std::deque<std::variant<HttpResponse, Status>> script_;
};

class ClockSleeper final : public Sleeper {
 public:
  explicit ClockSleeper(ManualClock* clock) : clock_(clock) {}

  void sleep_for(milliseconds duration) override {
    slept.push_back(duration);
    clock_->advance(duration);
  }

  std::vector<milliseconds> slept;

 private:
  ManualClock* clock_;
};

class RetryTest : public ::testing::Test {
 protected:
  RetryTest()
      : clock_(std::chrono::system_clock::time_point(std::chrono::seconds(1800000000))),
        transport_(std::make_shared<ScriptedTransport>(&clock_)),
        sleeper_(&clock_) {}

  ServiceClient make_client(RetryOptions options, double jitter = 1.0) {
    Credentials credentials;
    credentials.access_key_id = "AKIDTEST";
    credentials.secret_access_key = SecretBytes("secret-key-for-tests");
    ServiceContext context;
    context.credentials = std::make_shared<StaticCredentialsProvider>(std::move(credentials));
    context.transport = transport_;
    context.retry = options;
    context.clock = &clock_;
    context.sleeper = &sleeper_;
    context.random_unit = [jitter] { return jitter; };
    auto endpoint =
        ServiceEndpoint::from_url("http://127.0.0.1:1", "endpoint", "us-east-1", "secretsmanager");
    EXPECT_TRUE(endpoint.ok());
    return ServiceClient(*endpoint, context, parse_json_error);
  }

  HttpRequest request() {
    HttpRequest request;
    request.body = "{}";
    return request;
  }

  ManualClock clock_;
  std::shared_ptr<ScriptedTransport> transport_;
  ClockSleeper sleeper_;
};

TEST_F(RetryTest, ThrottlingWith400IsRetried) {
  transport_->respond(400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})");
  transport_->respond(200, "{}");

  CallOutcome outcome = make_client(RetryOptions{}).call(request(), "GetSecretValue");

  EXPECT_TRUE(outcome.ok()) << outcome.status;
  EXPECT_EQ(transport_->calls, 2);
  EXPECT_EQ(outcome.attempts, 2);
}

TEST_F(RetryTest, NamespacedThrottlingCodeIsRetried) {
  transport_->respond(
      400, R"({"__type":"com.amazonaws.secretsmanager#TooManyRequestsException:x","Message":"m"})");
  transport_->respond(200, "{}");

  CallOutcome outcome = make_client(RetryOptions{}).call(request(), "GetSecretValue");

  EXPECT_TRUE(outcome.ok());
  EXPECT_EQ(transport_->calls, 2);
}

TEST_F(RetryTest, OtherClientErrorIsNotRetried) {
  transport_->respond(400, R"({"__type":"InvalidParameterException","Message":"bad name"})");

  CallOutcome outcome = make_client(RetryOptions{}).call(request(), "GetSecretValue");

  EXPECT_EQ(outcome.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(outcome.error.code, "InvalidParameterException");
  EXPECT_EQ(transport_->calls, 1);
  EXPECT_TRUE(sleeper_.slept.empty());
}

TEST_F(RetryTest, AccessDeniedIsPermissionDenied) {
  transport_->respond(403, R"({"__type":"AccessDeniedException","Message":"no"})");

  CallOutcome outcome = make_client(RetryOptions{}).call(request(), "GetSecretValue");

  EXPECT_EQ(outcome.status.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(transport_->calls, 1);
}

TEST_F(RetryTest, ServerErrorsExhaustAttempts) {
  for (int i = 0; i < 3; ++i) {
    transport_->respond(i % 2 == 0 ? 500 : 503, "");
  }
  RetryOptions options;
  options.max_attempts = 3;

  CallOutcome outcome = make_client(options).call(request(), "PutSecretValue");

  EXPECT_EQ(outcome.status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(transport_->calls, 3);
  EXPECT_NE(outcome.status.message().find("3 attempts"), std::string::npos)
      << outcome.status.message();
}

TEST_F(RetryTest, ResetAndTimeoutAreRetried) {
  transport_->fail(unavailable("connection reset by peer"));
  transport_->fail(deadline_exceeded("timed out"));
  transport_->respond(200, "{}");

  CallOutcome outcome = make_client(RetryOptions{}).call(request(), "GetSecretValue");

  EXPECT_TRUE(outcome.ok());
  EXPECT_EQ(transport_->calls, 3);
}

TEST_F(RetryTest, TlsFailureIsNotRetried) {
  transport_->fail(failed_precondition("TLS verification failed"));

  CallOutcome outcome = make_client(RetryOptions{}).call(request(), "GetSecretValue");

  EXPECT_EQ(outcome.status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(transport_->calls, 1);
}

TEST_F(RetryTest, StallsEndAtDeadline) {
  for (int i = 0; i < 10; ++i) {
    transport_->fail(deadline_exceeded("timed out"));
  }
  RetryOptions options;
  options.max_attempts = 10;
  options.deadline = milliseconds(2500);
  options.attempt_timeout = milliseconds(1000);

  CallOutcome outcome = make_client(options, 0.0).call(request(), "GetSecretValue");

  EXPECT_EQ(outcome.status.code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(transport_->calls, 3);
  // The third attempt only gets what is left of the 2,500 ms budget.
  EXPECT_EQ(transport_->last_timeout, milliseconds(500));
}

TEST_F(RetryTest, BackoffThatWouldPassDeadlineStops) {
  transport_->respond(503, "");
  transport_->respond(503, "");
  RetryOptions options;
  options.deadline = milliseconds(150);
  options.base_delay = milliseconds(200);

  CallOutcome outcome = make_client(options, 1.0).call(request(), "GetSecretValue");

  EXPECT_EQ(outcome.status.code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(transport_->calls, 1);
  EXPECT_TRUE(sleeper_.slept.empty());
}

TEST_F(RetryTest, EachAttemptIsSignedAgain) {
  transport_->respond(500, "");
  transport_->respond(200, "{}");

  CallOutcome outcome = make_client(RetryOptions{}).call(request(), "GetSecretValue");

  EXPECT_TRUE(outcome.ok());
  EXPECT_NE(transport_->last_authorization.find("Signature="), std::string::npos);
}

TEST(Backoff, CeilingDoublesUpToMax) {
  RetryOptions options;
  options.base_delay = milliseconds(100);
  options.max_delay = milliseconds(1000);
  Backoff backoff(options, [] { return 0.999; });

  EXPECT_EQ(backoff.ceiling_before_retry(1), milliseconds(100));
  EXPECT_EQ(backoff.ceiling_before_retry(2), milliseconds(200));
  EXPECT_EQ(backoff.ceiling_before_retry(4), milliseconds(800));
  EXPECT_EQ(backoff.ceiling_before_retry(5), milliseconds(1000));
  EXPECT_EQ(backoff.ceiling_before_retry(60), milliseconds(1000));
}

TEST(Backoff, FullJitterScalesCeiling) {
  RetryOptions options;
  options.base_delay = milliseconds(100);
  double fraction = 0.0;
  Backoff backoff(options, [&fraction] { return fraction; });

  EXPECT_EQ(backoff.delay_before_retry(3), milliseconds(0));
  fraction = 0.5;
  EXPECT_EQ(backoff.delay_before_retry(3), milliseconds(200));
}

TEST(Backoff, RealJitterStaysWithinCeiling) {
  RetryOptions options;
  Backoff backoff(options);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_LE(backoff.delay_before_retry(3), backoff.ceiling_before_retry(3));
  }
}

TEST(ThrottlingCodes, KnownCodesRecognised) {
  for (const char* code :
       {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}) {
    SCOPED_TRACE(code);
    EXPECT_TRUE(is_throttling_code(code));
  }
  EXPECT_FALSE(is_throttling_code("ResourceNotFoundException"));
  EXPECT_FALSE(is_throttling_code("AccessDenied"));
}

TEST(ErrorParsing, JsonTypeNamespaceStripped) {
  HttpResponse response;
  response.status = 400;
  response.body = R"({"__type":"com.amazonaws#ResourceExistsException","Message":"exists"})";
  response.headers = {{"x-amzn-requestid", "req-1"}};

  AwsError error = parse_json_error(response);

  EXPECT_EQ(error.code, "ResourceExistsException");
  EXPECT_EQ(error.message, "exists");
  EXPECT_EQ(error.request_id, "req-1");
}

TEST(ErrorParsing, JsonCodeFromHeaderOnly) {
  HttpResponse response;
  response.status = 400;
  response.headers = {{"x-amzn-errortype", "ThrottlingException:http://internal"}};

  EXPECT_EQ(parse_json_error(response).code, "ThrottlingException");
}

TEST(ErrorParsing, EmptyServerErrorBody) {
  HttpResponse response;
  response.status = 502;
  AwsError error = parse_json_error(response);
  EXPECT_EQ(error.code, "");
  EXPECT_EQ(error.http_status, 502);
}

TEST(ErrorParsing, QueryErrorXml) {
  HttpResponse response;
  response.status = 403;
  response.body =
      "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender"
      "</Type><Code>AccessDenied</Code><Message>not authorized</Message></Error>"
      "<RequestId>abc-123</RequestId></ErrorResponse>";

  AwsError error = parse_query_error(response);

  EXPECT_EQ(error.code, "AccessDenied");
  EXPECT_EQ(error.message, "not authorized");
  EXPECT_EQ(error.request_id, "abc-123");
}

TEST(ServiceEndpoint, ParsesUrlWithPath) {
  auto endpoint =
      ServiceEndpoint::from_url("http://127.0.0.1:4566/base/", "setting", "us-east-1", "sts");
  ASSERT_TRUE(endpoint.ok());
  EXPECT_EQ(endpoint->origin, "http://127.0.0.1:4566");
  EXPECT_EQ(endpoint->host, "127.0.0.1:4566");
  EXPECT_EQ(endpoint->base_path, "/base");
}

TEST(ServiceEndpoint, RejectsOtherSchemes) {
  auto endpoint = ServiceEndpoint::from_url("ftp://x", "floecat.secrets.aws.endpoint", "r", "s");
  ASSERT_FALSE(endpoint.ok());
  EXPECT_NE(endpoint.status().message().find("floecat.secrets.aws.endpoint"), std::string::npos);
}

}  // namespace
}  // namespace floecat::aws

namespace floecat::aws {
namespace {

// Returns a new access key id on each fetch after invalidate().
class CountingProvider final : public CredentialsProvider {
 public:
  Result<Credentials> credentials() override {
    Credentials credentials;
    credentials.access_key_id = "ASIA" + std::to_string(generation);
    credentials.secret_access_key = SecretBytes("secret");
    credentials.session_token = SecretBytes("token");
    return credentials;
  }

  std::string_view name() const override { return "counting"; }

  void invalidate() override { ++generation; }

  int generation = 0;
};

TEST_F(RetryTest, ExpiredTokenRefreshesCredentialsOnce) {
  transport_->respond(400, R"({"__type":"ExpiredTokenException","message":"expired"})");
  transport_->respond(200, "{}");
  auto provider = std::make_shared<CountingProvider>();
  ServiceContext context;
  context.credentials = provider;
  context.transport = transport_;
  context.clock = &clock_;
  context.sleeper = &sleeper_;
  auto endpoint = ServiceEndpoint::from_url("http://127.0.0.1:1", "e", "us-east-1", "sts");
  ServiceClient client(*endpoint, context, parse_json_error);

  CallOutcome outcome = client.call(request(), "GetCallerIdentity");

  EXPECT_TRUE(outcome.ok()) << outcome.status;
  EXPECT_EQ(provider->generation, 1);
  EXPECT_NE(transport_->last_authorization.find("Credential=ASIA1/"), std::string::npos);
}

TEST_F(RetryTest, ExpiredTokenTwiceFails) {
  transport_->respond(400, R"({"__type":"ExpiredTokenException","message":"expired"})");
  transport_->respond(400, R"({"__type":"ExpiredTokenException","message":"expired"})");
  auto provider = std::make_shared<CountingProvider>();
  ServiceContext context;
  context.credentials = provider;
  context.transport = transport_;
  context.clock = &clock_;
  context.sleeper = &sleeper_;
  auto endpoint = ServiceEndpoint::from_url("http://127.0.0.1:1", "e", "us-east-1", "sts");
  ServiceClient client(*endpoint, context, parse_json_error);

  CallOutcome outcome = client.call(request(), "GetCallerIdentity");

  EXPECT_EQ(outcome.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(transport_->calls, 2);
  EXPECT_EQ(provider->generation, 1);
}

}  // namespace
}  // namespace floecat::aws
