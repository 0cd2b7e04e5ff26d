#include "core/endpoint_url.h"

#include <string>

#include <gtest/gtest.h>

namespace floecat {
namespace {

void expect_rejected(const std::string& url, const std::string& rule) {
  SCOPED_TRACE(url);
  Status status = check_endpoint_url("sts_endpoint", url);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("sts_endpoint"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find(rule), std::string::npos) << status.message();
}

TEST(EndpointUrl, AcceptsOrdinaryEndpoints) {
  for (const char* url :
       {"https://s3.us-east-1.amazonaws.com", "http://127.0.0.1:9000", "http://localhost:4566/",
        "https://sts.example.test/path", "http://[::1]:9000/", "http://[2001:db8::1]",
        "http://169.255.0.1/", "http://10.254.169.254/", "https://host:/"}) {
    Status status = check_endpoint_url("endpoint", url);
    EXPECT_TRUE(status.ok()) << url << ": " << status;
  }
}

TEST(EndpointUrl, RejectsUserInfoWithoutQuotingIt) {
  for (const char* url :
       {"https://minio:hunter2-secret@minio.example.test/",
        "https://hunter2-secret@minio.example.test", "http://a:hunter2-secret@169.254.169.254/"}) {
    SCOPED_TRACE(url);
    Status status = check_endpoint_url("sts_endpoint", url);
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.message().find("user name or password"), std::string::npos);
    EXPECT_EQ(status.message().find("hunter2-secret"), std::string::npos) << status.message();
  }
}

TEST(EndpointUrl, RejectsMetadataAddressSpellings) {
  for (const char* url : {
           "http://169.254.169.254/",
           "http://169.254.169.254.",
           "http://169.254.0.1:8080/latest",
           "http://2852039166/",
           "http://0xa9fea9fe/",
           "http://0xA9.0xFE.0xA9.0xFE/",
           "http://0251.0376.0251.0376/",
           "http://169.16689662/",
           "http://169.254.43518/",
           "http://[fd00:ec2::254]/",
           "http://[FD00:EC2:0:0:0:0:0:254]:80/",
           "http://[fe80::1%25eth0]/",
           "http://[febf::1]/",
           "http://[::ffff:169.254.169.254]/",
           "http://[::ffff:a9fe:a9fe]/",
           "http://[::169.254.169.254]/",
           "http://[64:ff9b::169.254.169.254]/",
           "http://metadata.google.internal/",
           "http://Instance-Data./",
           "http://169.254.169.254\\@example.test/",
       }) {
    expect_rejected(url, "link-local or cloud metadata");
  }
}

TEST(EndpointUrl, RejectsMalformedUrls) {
  expect_rejected("ftp://example.test", "http:// or https://");
  expect_rejected("example.test", "http:// or https://");
  expect_rejected("https://", "with a host");
  expect_rejected("https:///path", "with a host");
  expect_rejected("https://host:port/", "numeric port");
  expect_rejected("https://host:1234567/", "numeric port");
  expect_rejected("https://[::1/", "closing ']'");
  expect_rejected("https://[::1]x/", "':port'");
  expect_rejected("https://[not-ipv6]/", "not an IPv6 address");
  expect_rejected("https://exa mple.test", "whitespace");
  expect_rejected(std::string("https://a\0b", 11), "control");
}

}  // namespace
}  // namespace floecat
