#include "aws/sigv4.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/encoding.h"

namespace floecat::aws {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

Credentials example_credentials() {
  Credentials credentials;
  credentials.access_key_id = "AKIDEXAMPLE";
  credentials.secret_access_key = SecretBytes("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  return credentials;
}

SigningScope example_scope() {
  // 2015-08-30T12:36:00Z, the time of the AWS "get-vanilla" example.
  return SigningScope{"service", "us-east-1", system_clock::time_point(seconds(1440938160))};
}

TEST(SigV4, VanillaGetMatchesPublishedSignature) {
  HttpRequest request;
  request.method = "GET";
  request.origin = "https://example.amazonaws.com";
  request.headers = {{"Host", "example.amazonaws.com"}};

  ASSERT_TRUE(sign_request(request, example_credentials(), example_scope()).ok());

  const std::string* authorization = request.find_header("Authorization");
  ASSERT_NE(authorization, nullptr);
  EXPECT_EQ(*authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  ASSERT_NE(request.find_header("X-Amz-Date"), nullptr);
  EXPECT_EQ(*request.find_header("X-Amz-Date"), "20150830T123600Z");
}

TEST(SigV4, CanonicalQuerySortsEncodedKeysThenValues) {
  QueryParams query = {{"b", "2"}, {"a", "z"}, {"a", "y"}, {"a b", ""}, {"A", "+"}};
  EXPECT_EQ(canonical_query(query), "A=%2B&a=y&a=z&a%20b=&b=2");
}

TEST(SigV4, CanonicalQueryEncodesNonAscii) {
  QueryParams query = {{"k", "\xC3\xA9 ~"}};
  EXPECT_EQ(canonical_query(query), "k=%C3%A9%20~");
}

TEST(SigV4, PathDoubleEncodedForOtherServices) {
  EXPECT_EQ(canonical_uri("/a%20b/./c/../d//e", PathRule::kNormalizeAndDoubleEncode),
            "/a%2520b/d/e");
  EXPECT_EQ(canonical_uri("", PathRule::kNormalizeAndDoubleEncode), "/");
  EXPECT_EQ(canonical_uri("/x/", PathRule::kNormalizeAndDoubleEncode), "/x/");
}

TEST(SigV4, PathKeptAsIsForS3) {
  EXPECT_EQ(canonical_uri("/bucket/a%20b/./c//d", PathRule::kS3SingleEncode),
            "/bucket/a%20b/./c//d");
}

TEST(SigV4, S3SetsContentSha256) {
  HttpRequest request;
  request.method = "PUT";
  request.origin = "http://127.0.0.1:9000";
  request.path = "/bucket/key";
  request.headers = {{"Host", "127.0.0.1:9000"}};
  request.body = "hello";
  SigningScope scope = example_scope();
  scope.service = "s3";
  scope.path_rule = PathRule::kS3SingleEncode;

  ASSERT_TRUE(sign_request(request, example_credentials(), scope).ok());

  const std::string* content_hash = request.find_header("X-Amz-Content-SHA256");
  ASSERT_NE(content_hash, nullptr);
  EXPECT_EQ(*content_hash, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
}

TEST(SigV4, SessionTokenIsSignedHeader) {
  HttpRequest request;
  request.origin = "https://sts.amazonaws.com";
  request.headers = {{"Host", "sts.amazonaws.com"}};
  Credentials credentials = example_credentials();
  credentials.session_token = SecretBytes("session-token-value");

  ASSERT_TRUE(sign_request(request, credentials, example_scope()).ok());

  ASSERT_NE(request.find_header("X-Amz-Security-Token"), nullptr);
  EXPECT_NE(request.find_header("Authorization")->find("x-amz-security-token"), std::string::npos);
}

TEST(SigV4, RejectsMissingSecretKey) {
  HttpRequest request;
  request.headers = {{"Host", "example.amazonaws.com"}};
  Credentials credentials;
  credentials.access_key_id = "AKIDEXAMPLE";

  Status status = sign_request(request, credentials, example_scope());

  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(request.find_header("Authorization"), nullptr);
}

TEST(SigV4, RejectsExistingAuthorization) {
  HttpRequest request;
  request.headers = {{"Host", "example.amazonaws.com"}, {"authorization", "Bearer x"}};

  Status status = sign_request(request, example_credentials(), example_scope());

  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
}

TEST(SigV4, RejectsPresignedQuery) {
  HttpRequest request;
  request.headers = {{"Host", "example.amazonaws.com"}};
  request.query = {{"X-Amz-Signature", "abc"}};

  EXPECT_EQ(sign_request(request, example_credentials(), example_scope()).code(),
            StatusCode::kInvalidArgument);
}

TEST(SigV4, RejectsMissingHost) {
  HttpRequest request;

  EXPECT_EQ(sign_request(request, example_credentials(), example_scope()).code(),
            StatusCode::kInvalidArgument);
}

TEST(SigV4, SigningKeyMatchesDerivationChain) {
  // The signing key of the AWS documentation example for 20150830/us-east-1/iam.
  SigningScope scope = example_scope();
  scope.service = "iam";
  SecretBytes key = derive_signing_key(example_credentials().secret_access_key, scope);
  EXPECT_EQ(hex_encode(key.expose()),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

// Signs every request of a JSON-lines file with floecat's signer and returns
// how many Authorization headers differ from the "expected" field. Each case
// carries its own time, keys, service and path rule.
int count_mismatches(const std::string& path, int* total) {
  std::ifstream in(path);
  std::string line;
  int mismatches = 0;
  *total = 0;
  while (std::getline(in, line)) {
    nlohmann::json item = nlohmann::json::parse(line);
    HttpRequest request;
    request.method = item["method"];
    request.origin = item["origin"];
    request.path = item["path"];
    for (const auto& pair : item["query"]) {
      request.query.emplace_back(pair[0], pair[1]);
    }
    for (const auto& pair : item["headers"]) {
      request.headers.emplace_back(pair[0], pair[1]);
    }
    auto body = base64_decode(item["body_b64"].get<std::string>());
    EXPECT_TRUE(body.ok());
    request.body.assign(body->begin(), body->end());

    Credentials credentials;
    credentials.access_key_id = item["access_key"];
    credentials.secret_access_key = SecretBytes(item["secret_key"].get<std::string>());
    credentials.session_token = SecretBytes(item["token"].get<std::string>());
    SigningScope scope{
        item["service"], item["region"],
        system_clock::time_point(seconds(item["epoch_seconds"].get<long>())),
        item["s3"].get<bool>() ? PathRule::kS3SingleEncode : PathRule::kNormalizeAndDoubleEncode};

    Status status = sign_request(request, credentials, scope);
    EXPECT_TRUE(status.ok()) << status;
    const std::string* authorization = request.find_header("Authorization");
    std::string expected = item["expected"];
    if (authorization == nullptr || *authorization != expected) {
      ++mismatches;
      ADD_FAILURE() << "case " << *total << " path " << request.path
                    << "\n  floecat:  " << (authorization ? *authorization : "(none)")
                    << "\n  botocore: " << expected;
    }
    ++*total;
  }
  return mismatches;
}

// Compares floecat's signer with botocore's on generated requests. With
// FLOECAT_SIGV4_CASES set, it signs that file (the Python integration test
// writes it); otherwise it asks the fixtures script to generate 300 cases.
TEST(SigV4Botocore, GeneratedRequestsMatch) {
  std::string path;
  if (const char* given = std::getenv("FLOECAT_SIGV4_CASES")) {
    path = given;
  } else {
    path = (std::filesystem::temp_directory_path() /
            ("floecat-sigv4-" + std::to_string(::getpid()) + ".jsonl"))
               .string();
    std::string command = "python3 " FLOECAT_SOURCE_DIR
                          "/tests/integration/awsfixtures.py sigv4-cases 300 '" +
                          path + "'";
    ASSERT_EQ(std::system(command.c_str()), 0) << "failed: " << command;
  }

  int total = 0;
  int mismatches = count_mismatches(path, &total);

  EXPECT_GT(total, 0) << "no cases in " << path;
  EXPECT_EQ(mismatches, 0) << "of " << total;
  std::cout << "[sigv4] compared " << total << " requests with botocore\n";
  if (std::getenv("FLOECAT_SIGV4_CASES") == nullptr) {
    std::filesystem::remove(path);
  }
}

}  // namespace
}  // namespace floecat::aws
