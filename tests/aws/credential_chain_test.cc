#include "aws/credential_chain.h"

#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "moto_support.h"

namespace floecat::aws {
namespace {

namespace fs = std::filesystem;

EnvLookup env_of(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

// Counts send() calls and fails them; it stands for "no network at all", so
// a test can prove a provider sent nothing.
class RefusingTransport final : public HttpTransport {
 public:
  Result<HttpResponse> send(const HttpRequest&, std::chrono::milliseconds) override {
    ++calls;
    return unavailable("this test allows no network");
  }

  int calls = 0;
};

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("floecat-chain-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(path_);
  }

  ~TempDir() { fs::remove_all(path_); }

  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(path_ / name) << text;
    return (path_ / name).string();
  }

  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

TEST(EnvironmentProvider, ReadsKeysAndToken) {
  EnvironmentCredentialsProvider provider(env_of({{"AWS_ACCESS_KEY_ID", "AKIAENV"},
                                                  {"AWS_SECRET_ACCESS_KEY", "env-secret"},
                                                  {"AWS_SESSION_TOKEN", "env-token"}}));
  auto credentials = provider.credentials();
  ASSERT_TRUE(credentials.ok());
  EXPECT_EQ(credentials->access_key_id, "AKIAENV");
  EXPECT_EQ(credentials->secret_access_key.expose(), "env-secret");
  EXPECT_EQ(credentials->session_token.expose(), "env-token");
}

TEST(EnvironmentProvider, UnsetIsNotConfigured) {
  EnvironmentCredentialsProvider provider(env_of({}));
  EXPECT_EQ(provider.credentials().status().code(), StatusCode::kFailedPrecondition);
}

TEST(EnvironmentProvider, HalfSetIsError) {
  EnvironmentCredentialsProvider provider(env_of({{"AWS_ACCESS_KEY_ID", "AKIAENV"}}));
  auto credentials = provider.credentials();
  EXPECT_EQ(credentials.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(credentials.status().message().find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
}

TEST(ProfileProvider, NamedProfileFromCredentialsFile) {
  TempDir dir;
  std::string file = dir.write("credentials",
                               "[default]\naws_access_key_id = AKIADEFAULT\n"
                               "aws_secret_access_key = default-secret\n\n"
                               "# comment\n[work]\naws_access_key_id=AKIAWORK\n"
                               "aws_secret_access_key = work-secret\naws_session_token = tok\n");
  ProfileCredentialsProvider provider(env_of({{"AWS_SHARED_CREDENTIALS_FILE", file},
                                              {"AWS_CONFIG_FILE", dir.path() + "/none"},
                                              {"AWS_PROFILE", "work"}}));
  auto credentials = provider.credentials();
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_EQ(credentials->access_key_id, "AKIAWORK");
  EXPECT_EQ(credentials->secret_access_key.expose(), "work-secret");
  EXPECT_EQ(credentials->session_token.expose(), "tok");
  EXPECT_EQ(credentials->source, "profile work");
}

TEST(ProfileProvider, ConfigFileProfileSection) {
  TempDir dir;
  std::string config = dir.write("config",
                                 "[profile ops]\nregion = eu-west-1\n"
                                 "aws_access_key_id = AKIAOPS\naws_secret_access_key = ops\n");
  ProfileCredentialsProvider provider(env_of({{"AWS_SHARED_CREDENTIALS_FILE", dir.path() + "/x"},
                                              {"AWS_CONFIG_FILE", config},
                                              {"AWS_PROFILE", "ops"}}));
  auto credentials = provider.credentials();
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_EQ(credentials->access_key_id, "AKIAOPS");
}

TEST(ProfileProvider, CredentialsFileWinsOverConfig) {
  TempDir dir;
  std::string file = dir.write("credentials",
                               "[default]\naws_access_key_id = AKIAFILE\n"
                               "aws_secret_access_key = s\n");
  std::string config = dir.write("config",
                                 "[default]\naws_access_key_id = AKIACONFIG\n"
                                 "aws_secret_access_key = s\n");
  ProfileCredentialsProvider provider(
      env_of({{"AWS_SHARED_CREDENTIALS_FILE", file}, {"AWS_CONFIG_FILE", config}}));
  EXPECT_EQ(provider.credentials()->access_key_id, "AKIAFILE");
}

TEST(ProfileProvider, MissingProfileIsNotConfigured) {
  TempDir dir;
  std::string file = dir.write("credentials",
                               "[default]\naws_access_key_id = A\n"
                               "aws_secret_access_key = s\n");
  ProfileCredentialsProvider provider(env_of({{"AWS_SHARED_CREDENTIALS_FILE", file},
                                              {"AWS_CONFIG_FILE", dir.path() + "/none"},
                                              {"AWS_PROFILE", "absent"}}));
  auto credentials = provider.credentials();
  EXPECT_EQ(credentials.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(credentials.status().message().find("absent"), std::string::npos);
}

TEST(ProfileProvider, MalformedFileNamesLine) {
  TempDir dir;
  std::string file = dir.write("credentials", "[default]\nthis line has no equals\n");
  ProfileCredentialsProvider provider(env_of({{"AWS_SHARED_CREDENTIALS_FILE", file}}));
  auto credentials = provider.credentials();
  EXPECT_EQ(credentials.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(credentials.status().message().find("line 2"), std::string::npos);
}

TEST(ImdsProvider, OffByDefaultSendsNothing) {
  auto transport = std::make_shared<RefusingTransport>();
  ImdsCredentialsProvider provider(false, transport);
  auto credentials = provider.credentials();
  EXPECT_EQ(credentials.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(credentials.status().message().find("floecat.aws.imds.enabled"), std::string::npos);
  EXPECT_EQ(transport->calls, 0);
}

TEST(ContainerProvider, RejectsNonLoopbackFullUri) {
  auto transport = std::make_shared<RefusingTransport>();
  ContainerCredentialsProvider provider(
      env_of({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.169.254/creds"}}), transport);
  EXPECT_EQ(provider.credentials().status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(transport->calls, 0);
}

TEST(ContainerProvider, AllowedHosts) {
  EXPECT_TRUE(is_allowed_container_host("127.0.0.1"));
  EXPECT_TRUE(is_allowed_container_host("localhost"));
  EXPECT_TRUE(is_allowed_container_host("169.254.170.2"));
  EXPECT_TRUE(is_allowed_container_host("169.254.170.23"));
  EXPECT_FALSE(is_allowed_container_host("169.254.169.254"));
  EXPECT_FALSE(is_allowed_container_host("example.com"));
}

// A one-shot HTTP server on 127.0.0.1 that records the request head and
// returns a fixed JSON body, standing in for the ECS credentials endpoint.
class OneShotServer {
 public:
  explicit OneShotServer(std::string body) : body_(std::move(body)) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    socklen_t length = sizeof(address);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    listen(listener_, 1);
    thread_ = std::thread([this] { serve(); });
  }

  ~OneShotServer() {
    thread_.join();
    close(listener_);
  }

  int port() const { return port_; }

  const std::string& request_head() const { return head_; }

 private:
  void serve() {
    int connection = accept(listener_, nullptr, nullptr);
    char buffer[4096];
    while (head_.find("\r\n\r\n") == std::string::npos) {
      ssize_t count = recv(connection, buffer, sizeof(buffer), 0);
      if (count <= 0) {
        break;
      }
      head_.append(buffer, static_cast<std::size_t>(count));
    }
    std::string response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                           std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
    send(connection, response.data(), response.size(), 0);
    close(connection);
  }

  std::string body_;
  int listener_ = -1;
  int port_ = 0;
  std::string head_;
  std::thread thread_;
};

TEST(ContainerProvider, FetchesFromLoopbackWithAuthorization) {
  OneShotServer server(R"({"AccessKeyId":"ASIACONTAINER","SecretAccessKey":"c-secret",)"
                       R"("Token":"c-token","Expiration":"2030-01-01T00:00:00Z"})");
  TempDir dir;
  std::string token_file = dir.write("token", "container-auth-token\n");
  ContainerCredentialsProvider provider(
      env_of({{"AWS_CONTAINER_CREDENTIALS_FULL_URI",
               "http://127.0.0.1:" + std::to_string(server.port()) + "/v2/credentials"},
              {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file}}),
      std::make_shared<CurlTransport>());

  auto credentials = provider.credentials();

  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_EQ(credentials->access_key_id, "ASIACONTAINER");
  EXPECT_EQ(credentials->session_token.expose(), "c-token");
  ASSERT_TRUE(credentials->expiration.has_value());
  EXPECT_NE(server.request_head().find("GET /v2/credentials"), std::string::npos);
  EXPECT_NE(server.request_head().find("Authorization: container-auth-token"), std::string::npos);
}

// moto without signature checks, because AssumeRoleWithWebIdentity is unsigned.
class ChainMotoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { moto_ = testing::MotoServer::start(false).release(); }

  static void TearDownTestSuite() {
    delete moto_;
    moto_ = nullptr;
  }

  void SetUp() override { ASSERT_NE(moto_, nullptr); }

  static testing::MotoServer* moto_;
};

testing::MotoServer* ChainMotoTest::moto_ = nullptr;

TEST_F(ChainMotoTest, WebIdentityTokenFile) {
  TempDir dir;
  std::string token_file = dir.write("token", "eyJhbGciOiJIUzI1NiJ9.e30.signature\n");
  WebIdentityCredentialsProvider provider(env_of({{"AWS_WEB_IDENTITY_TOKEN_FILE", token_file},
                                                  {"AWS_ROLE_ARN", moto_->role_arn()},
                                                  {"AWS_ROLE_SESSION_NAME", "web-session"}}),
                                          moto_->endpoint("sts"),
                                          std::make_shared<CurlTransport>());

  auto credentials = provider.credentials();

  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_FALSE(credentials->secret_access_key.empty());
  EXPECT_FALSE(credentials->session_token.empty());
  EXPECT_TRUE(credentials->expiration.has_value());
}

TEST_F(ChainMotoTest, WebIdentityMissingFileIsError) {
  WebIdentityCredentialsProvider provider(
      env_of({{"AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token"},
              {"AWS_ROLE_ARN", moto_->role_arn()}}),
      moto_->endpoint("sts"), std::make_shared<RefusingTransport>());
  auto credentials = provider.credentials();
  EXPECT_EQ(credentials.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(credentials.status().message().find("AWS_WEB_IDENTITY_TOKEN_FILE"), std::string::npos);
}

TEST_F(ChainMotoTest, EnvironmentComesBeforeProfile) {
  TempDir dir;
  std::string file = dir.write("credentials",
                               "[default]\naws_access_key_id = AKIAPROFILE\n"
                               "aws_secret_access_key = s\n");
  auto transport = std::make_shared<RefusingTransport>();
  ChainOptions options;
  options.env = env_of({{"AWS_ACCESS_KEY_ID", "AKIAENV"},
                        {"AWS_SECRET_ACCESS_KEY", "e"},
                        {"AWS_SHARED_CREDENTIALS_FILE", file}});
  options.transport = transport;
  options.sts_endpoint = moto_->endpoint("sts");

  auto credentials = default_credentials_chain(options)->credentials();

  ASSERT_TRUE(credentials.ok());
  EXPECT_EQ(credentials->access_key_id, "AKIAENV");
  EXPECT_EQ(transport->calls, 0);
}

TEST_F(ChainMotoTest, WebIdentityComesBeforeProfile) {
  TempDir dir;
  std::string file = dir.write("credentials",
                               "[default]\naws_access_key_id = AKIAPROFILE\n"
                               "aws_secret_access_key = s\n");
  std::string token_file = dir.write("token", "header.payload.signature");
  ChainOptions options;
  options.env = env_of({{"AWS_WEB_IDENTITY_TOKEN_FILE", token_file},
                        {"AWS_ROLE_ARN", moto_->role_arn()},
                        {"AWS_SHARED_CREDENTIALS_FILE", file}});
  options.transport = std::make_shared<CurlTransport>();
  options.sts_endpoint = moto_->endpoint("sts");

  auto credentials = default_credentials_chain(options)->credentials();

  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_NE(credentials->access_key_id, "AKIAPROFILE");
  EXPECT_NE(credentials->source.find("web identity"), std::string::npos);
}

TEST_F(ChainMotoTest, NothingConfiguredListsEachProvider) {
  TempDir dir;
  auto transport = std::make_shared<RefusingTransport>();
  ChainOptions options;
  options.env = env_of({{"AWS_SHARED_CREDENTIALS_FILE", dir.path() + "/none"},
                        {"AWS_CONFIG_FILE", dir.path() + "/none"}});
  options.transport = transport;
  options.sts_endpoint = moto_->endpoint("sts");

  auto credentials = default_credentials_chain(options)->credentials();

  EXPECT_EQ(credentials.status().code(), StatusCode::kFailedPrecondition);
  for (const char* name :
       {"environment", "web identity", "profile", "container", "instance metadata"}) {
    EXPECT_NE(credentials.status().message().find(name), std::string::npos) << name;
  }
  EXPECT_EQ(transport->calls, 0);
}

}  // namespace
}  // namespace floecat::aws
