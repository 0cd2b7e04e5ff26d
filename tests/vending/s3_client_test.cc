#include "aws/s3_client.h"

#include <string>

#include <gtest/gtest.h>

#include "aws/moto_support.h"

namespace floecat::aws {
namespace {

class S3ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    moto_ = testing::MotoServer::start(false);
    ASSERT_NE(moto_, nullptr);
    transport_ = std::make_shared<CurlTransport>();
  }

  ServiceContext context() const {
    ServiceContext context;
    context.credentials = std::make_shared<StaticCredentialsProvider>(moto_->user_credentials());
    context.transport = transport_;
    context.retry.max_attempts = 1;
    return context;
  }

  ServiceEndpoint s3_endpoint() const {
    ServiceEndpoint endpoint = moto_->endpoint("s3");
    endpoint.path_rule = PathRule::kS3SingleEncode;
    return endpoint;
  }

  // Writes through a plain signed client, since S3Client only reads.
  void put(const std::string& path, std::string body) {
    ServiceClient client(s3_endpoint(), context(), parse_s3_error);
    HttpRequest request;
    request.method = "PUT";
    request.path = path;
    request.body.assign(body.begin(), body.end());
    // libcurl labels a body without Content-Type as a form, and moto then
    // stores an empty object.
    request.set_header("Content-Type", "application/octet-stream");
    CallOutcome outcome = client.call(request, "Put");
    ASSERT_TRUE(outcome.ok()) << path << ": " << outcome.status;
  }

  std::unique_ptr<testing::MotoServer> moto_;
  std::shared_ptr<HttpTransport> transport_;
};

TEST_F(S3ClientTest, GetsAndHeadsObjectsPathStyle) {
  put("/lake", "");
  put("/lake/" + uri_encode("warehouse/db/t/metadata/v1 +$*.metadata.json", true), "{\"a\":1}");
  S3Client client(moto_->endpoint("s3"), context(), S3Addressing::kPathStyle);
  Result<S3Object> object =
      client.get_object("lake", "warehouse/db/t/metadata/v1 +$*.metadata.json");
  ASSERT_TRUE(object.ok()) << object.status();
  EXPECT_EQ(object->body, "{\"a\":1}");
  Result<S3ObjectInfo> info =
      client.head_object("lake", "warehouse/db/t/metadata/v1 +$*.metadata.json");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->content_length, 7);
}

TEST_F(S3ClientTest, MissingObjectIsNotFound) {
  put("/lake", "");
  S3Client client(moto_->endpoint("s3"), context(), S3Addressing::kPathStyle);
  Result<S3Object> object = client.get_object("lake", "nope.json");
  ASSERT_FALSE(object.ok());
  EXPECT_EQ(object.status().code(), StatusCode::kNotFound);
  EXPECT_NE(object.status().message().find("s3://lake/nope.json"), std::string::npos);
  Result<S3ObjectInfo> info = client.head_object("lake", "nope.json");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), StatusCode::kNotFound);
}

TEST_F(S3ClientTest, ObjectOverLimitIsTooLarge) {
  put("/lake", "");
  put("/lake/big", std::string(2048, 'x'));
  S3Client client(moto_->endpoint("s3"), context(), S3Addressing::kPathStyle);
  Result<S3Object> object = client.get_object("lake", "big", 1024);
  ASSERT_FALSE(object.ok());
  EXPECT_EQ(object.status().code(), StatusCode::kTooLarge);
}

TEST_F(S3ClientTest, VirtualHostPutsBucketInHost) {
  auto endpoint = ServiceEndpoint::from_url("https://s3.eu-west-1.amazonaws.com", "endpoint",
                                            "eu-west-1", "s3");
  ASSERT_TRUE(endpoint.ok());
  S3Client client(*endpoint, context(), S3Addressing::kVirtualHost);
  EXPECT_EQ(client.object_url("lake", "a b/c"), "https://lake.s3.eu-west-1.amazonaws.com/a%20b/c");
  S3Client path_style(*endpoint, context(), S3Addressing::kPathStyle);
  EXPECT_EQ(path_style.object_url("lake", "a b/c"),
            "https://s3.eu-west-1.amazonaws.com/lake/a%20b/c");
}

TEST_F(S3ClientTest, VirtualHostRejectsDottedBucket) {
  auto endpoint = ServiceEndpoint::from_url(moto_->url(), "endpoint", "us-east-1", "s3");
  ASSERT_TRUE(endpoint.ok());
  S3Client client(*endpoint, context(), S3Addressing::kVirtualHost);
  Result<S3Object> object = client.get_object("my.bucket", "k");
  ASSERT_FALSE(object.ok());
  EXPECT_EQ(object.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(object.status().message().find("path-style"), std::string::npos);
}

}  // namespace
}  // namespace floecat::aws
