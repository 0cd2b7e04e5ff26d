#include "http/client.h"

#include <future>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "http/server.h"

namespace floecat::http {
namespace {

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add("GET", "/api/v1/accounts/{account}", [](const Request& request) {
      return Response::json(200, {{"id", request.param("account")}});
    });
    router_.add("POST", "/echo", [](const Request& request) {
      nlohmann::json headers = nlohmann::json::object();
      for (const auto& [name, value] : request.headers) {
        headers[name] = value;
      }
      Response response = Response::json(201, {{"body", request.body},
                                               {"headers", headers},
                                               {"content_type", request.header("Content-Type")}});
      response.headers["X-Seen-Method"] = request.method;
      return response;
    });
    router_.add("GET", "/large", [](const Request&) {
      Response response;
      response.body = std::string(4096, 'z');
      return response;
    });
    router_.add("GET", "/slow", [gate = gate_](const Request&) {
      gate->wait();
      return Response::no_content();
    });
    ServerOptions options;
    options.port = 0;
    options.max_body_bytes = 1024;
    server_ = std::make_unique<Server>(options, std::move(router_));
    Status status = server_->start();
    ASSERT_TRUE(status.ok()) << status;
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  void TearDown() override {
    release_.set_value();
    server_->stop();
  }

  Router router_;
  std::promise<void> release_;
  std::shared_ptr<std::shared_future<void>> gate_ =
      std::make_shared<std::shared_future<void>>(release_.get_future().share());
  std::unique_ptr<Server> server_;
  std::string base_;
};

TEST_F(ClientTest, GetsJson) {
  Client client;
  Result<ClientResponse> response = client.request("GET", base_ + "/api/v1/accounts/acme");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->headers["content-type"], "application/json");
  EXPECT_EQ(nlohmann::json::parse(response->body)["id"], "acme");
}

TEST_F(ClientTest, SendsBodyAndHeaders) {
  Client client;
  Headers headers;
  headers["Authorization"] = "Bearer test-token";
  Result<ClientResponse> response = client.request("POST", base_ + "/echo", headers, "{\"a\":1}");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->headers["X-Seen-Method"], "POST");
  nlohmann::json body = nlohmann::json::parse(response->body);
  EXPECT_EQ(body["body"], "{\"a\":1}");
  EXPECT_EQ(body["headers"]["Authorization"], "Bearer test-token");
  EXPECT_EQ(body["headers"]["Content-Type"], "application/json");
  EXPECT_EQ(body["headers"]["Content-Length"], "7");
  EXPECT_EQ(body["headers"]["Host"], "127.0.0.1:" + std::to_string(server_->port()));
}

TEST_F(ClientTest, KeepsCallerContentType) {
  Client client;
  Headers headers;
  headers["content-type"] = "text/plain";
  Result<ClientResponse> response = client.request("POST", base_ + "/echo", headers, "hi");
  ASSERT_TRUE(response.ok()) << response.status();
  nlohmann::json body = nlohmann::json::parse(response->body);
  EXPECT_EQ(body["content_type"], "text/plain");
}

TEST_F(ClientTest, ErrorStatusIsAResult) {
  Client client;
  Result<ClientResponse> response = client.request("GET", base_ + "/missing");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(nlohmann::json::parse(response->body)["error"]["code"], "not_found");
}

TEST_F(ClientTest, OversizedBodyGets413) {
  Client client;
  Result<ClientResponse> response =
      client.request("POST", base_ + "/echo", {}, std::string(64 * 1024, 'x'));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(nlohmann::json::parse(response->body)["error"]["code"], "too_large");
}

TEST_F(ClientTest, ResponseOverLimitIsTooLarge) {
  ClientOptions options;
  options.max_response_bytes = 1024;
  Client client(options);
  Result<ClientResponse> response = client.request("GET", base_ + "/large");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kTooLarge);
}

TEST_F(ClientTest, HeadReadsNoBody) {
  Client client;
  Result<ClientResponse> response = client.request("HEAD", base_ + "/large");
  ASSERT_TRUE(response.ok()) << response.status();
  // The router has no HEAD route, so the response is 405 with an Allow header.
  EXPECT_EQ(response->status, 405);
  EXPECT_EQ(response->headers["Allow"], "GET");
  EXPECT_TRUE(response->body.empty());
}

TEST_F(ClientTest, TimeoutIsUnavailable) {
  ClientOptions options;
  options.timeout = std::chrono::milliseconds(200);
  Client client(options);
  Result<ClientResponse> response = client.request("GET", base_ + "/slow");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(response.status().message().find("timed out"), std::string::npos);
  EXPECT_NE(response.status().message().find("127.0.0.1:"), std::string::npos);
}

TEST(Client, RefusedConnectionNamesTheAddress) {
  // Bind a port, then free it, so nothing listens there.
  ServerOptions options;
  options.port = 0;
  Server server(options, Router());
  ASSERT_TRUE(server.start().ok());
  uint16_t port = server.port();
  server.stop();

  Client client;
  Result<ClientResponse> response =
      client.request("GET", "http://127.0.0.1:" + std::to_string(port) + "/healthz");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(response.status().message().find("127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << response.status();
}

TEST(Client, RejectsBadMethod) {
  Client client;
  Result<ClientResponse> response = client.request("GE T", "http://127.0.0.1:1/");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
}

TEST(ParseHttpUrl, AcceptsHttpForms) {
  struct Case {
    const char* url;
    const char* host;
    uint16_t port;
    const char* target;
  };

  const Case cases[] = {
      {"http://127.0.0.1:8181/api/v1/accounts", "127.0.0.1", 8181, "/api/v1/accounts"},
      {"http://localhost", "localhost", 80, "/"},
      {"HTTP://localhost:9000", "localhost", 9000, "/"},
      {"http://[::1]:8181/x?y=1", "::1", 8181, "/x?y=1"},
      {"http://h?x=1", "h", 80, "/?x=1"},
      {"http://h/p#fragment", "h", 80, "/p"},
  };
  for (const Case& c : cases) {
    Result<HttpUrl> url = parse_http_url(c.url);
    ASSERT_TRUE(url.ok()) << c.url << ": " << url.status();
    EXPECT_EQ(url->host, c.host) << c.url;
    EXPECT_EQ(url->port, c.port) << c.url;
    EXPECT_EQ(url->target, c.target) << c.url;
  }
}

TEST(ParseHttpUrl, RejectsOtherForms) {
  const char* cases[] = {
      "https://127.0.0.1:8181/",
      "ftp://h/",
      "127.0.0.1:8181",
      "http://",
      "http://:80/",
      "http://h:0/",
      "http://h:65536/",
      "http://h:8x/",
      "http://h:/",
      "http://user:pw@h/",
      "http://[::1/",
      "http://[::1]x/",
  };
  for (const char* text : cases) {
    Result<HttpUrl> url = parse_http_url(text);
    EXPECT_FALSE(url.ok()) << text;
    if (!url.ok()) {
      EXPECT_EQ(url.status().code(), StatusCode::kInvalidArgument) << text;
    }
  }
}

TEST(ParseHttpUrl, UserInfoIsNotEchoed) {
  Result<HttpUrl> url = parse_http_url("http://user:pw@h/");
  ASSERT_FALSE(url.ok());
  EXPECT_NE(url.status().message().find("user info"), std::string::npos);
  EXPECT_EQ(url.status().message().find("pw"), std::string::npos);
}

}  // namespace
}  // namespace floecat::http
