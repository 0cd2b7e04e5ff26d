#include "http/server.h"

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "http/raw_connection_support.h"

namespace floecat::http {
namespace {

using std::chrono::milliseconds;
using testing::RawConnection;
using testing::RawResponse;

ServerOptions local_options() {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.worker_threads = 2;
  return options;
}

std::unique_ptr<RawConnection> connect_to(const Server& server) {
  auto connection = RawConnection::connect(server.port());
  EXPECT_TRUE(connection.ok()) << connection.status();
  return connection.ok() ? std::move(*connection) : nullptr;
}

std::string get_request(const std::string& path) {
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

// Waits until `condition` holds; the limit only keeps a broken test from hanging.
template <typename Condition>
bool eventually(Condition condition) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) {
      return true;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  return condition();
}

// Lets handlers block until the test releases them.
struct Gate {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> entered{0};
};

class ServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options) {
    server_ = std::make_unique<Server>(options, std::move(router_));
    Status status = server_->start();
    ASSERT_TRUE(status.ok()) << status;
    ASSERT_NE(server_->port(), 0);
  }

  void TearDown() override {
    if (server_) {
      server_->stop();
    }
  }

  // Sends `partial`, an unfinished request for a counting route, and checks
  // that the server responds 408 and closes without calling the route.
  void expect_408_after_stall(const std::string& method, const std::string& partial) {
    router_.add(method, "/stall", [this](const Request&) {
      calls_++;
      return Response::no_content();
    });
    ServerOptions options = local_options();
    options.read_timeout = std::chrono::milliseconds(300);
    start(options);
    auto connection = connect_to(*server_);
    ASSERT_TRUE(connection);
    ASSERT_TRUE(connection->send(partial).ok());
    Result<RawResponse> response = connection->read_response();
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 408);
    EXPECT_EQ(nlohmann::json::parse(response->body)["error"]["code"], "request_timeout");
    EXPECT_FALSE(response->keep_alive);
    EXPECT_TRUE(connection->closed_by_peer(std::chrono::seconds(10)));
    EXPECT_EQ(calls_.load(), 0);
  }

  Router router_;
  std::atomic<int> calls_{0};
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, ServesRoutedRequest) {
  router_.add("GET", "/items/{id}", [this](const Request& request) {
    calls_++;
    return Response::json(200, {{"id", request.param("id")},
                                {"q", request.query.count("q") ? request.query.at("q") : ""},
                                {"remote", request.remote_address}});
  });
  start(local_options());
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(get_request("/items/a%20b?q=x%2By+z")).ok());
  Result<RawResponse> response = connection->read_response();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->headers["Content-Type"], "application/json");
  nlohmann::json body = nlohmann::json::parse(response->body);
  EXPECT_EQ(body["id"], "a b");
  EXPECT_EQ(body["q"], "x+y z");
  EXPECT_EQ(body["remote"].get<std::string>().rfind("127.0.0.1:", 0), 0u);
  EXPECT_EQ(calls_.load(), 1);
}

TEST_F(ServerTest, KeepAliveServesTwoRequests) {
  router_.add("GET", "/who", [](const Request& request) {
    return Response::json(200, {{"remote", request.remote_address}});
  });
  start(local_options());
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);

  ASSERT_TRUE(connection->send(get_request("/who")).ok());
  Result<RawResponse> first = connection->read_response();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->status, 200);
  EXPECT_TRUE(first->keep_alive);

  ASSERT_TRUE(connection->send(get_request("/who")).ok());
  Result<RawResponse> second = connection->read_response();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(nlohmann::json::parse(first->body)["remote"],
            nlohmann::json::parse(second->body)["remote"]);
  EXPECT_EQ(server_->counters().connections_open, 1u);
  EXPECT_EQ(server_->counters().requests_total, 2u);
}

TEST_F(ServerTest, PipelinedRequestsAnswerInOrder) {
  router_.add("GET", "/n/{n}", [](const Request& request) {
    return Response::json(200, {{"n", request.param("n")}});
  });
  start(local_options());
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(get_request("/n/1") + get_request("/n/2")).ok());
  Result<RawResponse> first = connection->read_response();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(nlohmann::json::parse(first->body)["n"], "1");
  Result<RawResponse> second = connection->read_response();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(nlohmann::json::parse(second->body)["n"], "2");
}

TEST_F(ServerTest, IdleConnectionIsClosed) {
  router_.add("GET", "/x", [](const Request&) { return Response::no_content(); });
  ServerOptions options = local_options();
  options.idle_timeout = milliseconds(300);
  start(options);

  auto silent = connect_to(*server_);
  ASSERT_TRUE(silent);
  EXPECT_TRUE(silent->closed_by_peer(std::chrono::seconds(20)));

  auto after_response = connect_to(*server_);
  ASSERT_TRUE(after_response);
  ASSERT_TRUE(after_response->send(get_request("/x")).ok());
  Result<RawResponse> response = after_response->read_response();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(response->keep_alive);
  EXPECT_TRUE(after_response->closed_by_peer(std::chrono::seconds(20)));
  EXPECT_TRUE(eventually([&] { return server_->counters().connections_open == 0; }));
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
  router_.add("GET", "/x", [](const Request&) { return Response::no_content(); });
  start(local_options());
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send("GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").ok());
  Result<RawResponse> response = connection->read_response();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 204);
  EXPECT_FALSE(response->keep_alive);
  EXPECT_TRUE(connection->closed_by_peer(std::chrono::seconds(10)));
}

TEST_F(ServerTest, UnknownRouteIs404) {
  start(local_options());
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(get_request("/nothing")).ok());
  Result<RawResponse> response = connection->read_response();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(nlohmann::json::parse(response->body)["error"]["code"], "not_found");
}

TEST_F(ServerTest, BodyOverLimitIs413) {
  router_.add("POST", "/upload", [this](const Request&) {
    calls_++;
    return Response::no_content();
  });
  ServerOptions options = local_options();
  options.max_body_bytes = 1024;
  start(options);
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);
  // Only the header is sent, so the server is not left with unread bytes.
  ASSERT_TRUE(
      connection->send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 1025\r\n\r\n").ok());
  Result<RawResponse> response = connection->read_response();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(nlohmann::json::parse(response->body)["error"]["code"], "too_large");
  EXPECT_TRUE(connection->closed_by_peer(std::chrono::seconds(10)));
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerTest, WholeOversizedBodyStillGets413) {
  router_.add("POST", "/upload", [this](const Request&) {
    calls_++;
    return Response::no_content();
  });
  ServerOptions options = local_options();
  options.max_body_bytes = 1024;
  start(options);
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);
  // The server stops reading after the header, so the unread body must not
  // turn its close into a reset that destroys the response.
  std::string body(256 * 1024, 'x');
  ASSERT_TRUE(connection
                  ->send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body)
                  .ok());
  Result<RawResponse> response = connection->read_response();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerTest, HeadResponseHasNoBody) {
  router_.add("HEAD", "/x", [](const Request&) { return Response::json(200, {{"a", 1}}); });
  router_.add("GET", "/x", [](const Request&) { return Response::json(200, {{"b", 2}}); });
  start(local_options());
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send("HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n").ok());
  Result<RawResponse> head = connection->read_response(std::chrono::seconds(10), true);
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->headers["Content-Length"], "7");
  EXPECT_TRUE(head->body.empty());
  // The next response on the connection starts right after the header.
  ASSERT_TRUE(connection->send(get_request("/x")).ok());
  Result<RawResponse> get = connection->read_response();
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(get->body, "{\"b\":2}");
}

TEST_F(ServerTest, BodyAtLimitIsAccepted) {
  router_.add("POST", "/upload", [this](const Request& request) {
    calls_++;
    return Response::json(200, {{"size", request.body.size()}});
  });
  ServerOptions options = local_options();
  options.max_body_bytes = 1024;
  start(options);
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);
  std::string body(1024, 'x');
  ASSERT_TRUE(
      connection->send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 1024\r\n\r\n" + body)
          .ok());
  Result<RawResponse> response = connection->read_response();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(nlohmann::json::parse(response->body)["size"], 1024);
}

TEST_F(ServerTest, ChunkedBodyOverLimitIs413) {
  router_.add("POST", "/upload", [this](const Request&) {
    calls_++;
    return Response::no_content();
  });
  ServerOptions options = local_options();
  options.max_body_bytes = 1024;
  start(options);
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);
  // One chunk that is declared larger than the limit; its data is not sent.
  ASSERT_TRUE(connection
                  ->send("POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "800\r\n")
                  .ok());
  Result<RawResponse> response = connection->read_response();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerTest, TooManyHeadersAreRejected) {
  router_.add("GET", "/x", [this](const Request&) {
    calls_++;
    return Response::no_content();
  });
  ServerOptions options = local_options();
  options.max_header_count = 10;
  start(options);
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);
  std::string request = "GET /x HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 20; ++i) {
    request += "X-Filler-" + std::to_string(i) + ": v\r\n";
  }
  request += "\r\n";
  ASSERT_TRUE(connection->send(request).ok());
  Result<RawResponse> response = connection->read_response();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 431);
  EXPECT_FALSE(response->keep_alive);
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerTest, HeaderBytesOverLimitAreRejected) {
  router_.add("GET", "/x", [this](const Request&) {
    calls_++;
    return Response::no_content();
  });
  ServerOptions options = local_options();
  options.max_header_bytes = 1024;
  start(options);
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);
  std::string request =
      "GET /x HTTP/1.1\r\nHost: h\r\nX-Large: " + std::string(2048, 'a') + "\r\n\r\n";
  ASSERT_TRUE(connection->send(request).ok());
  Result<RawResponse> response = connection->read_response();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 431);
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerTest, MalformedRequestIs400AndCloses) {
  start(local_options());
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send("GARBAGE\x01 / HTTP/1.1\r\n\r\n").ok());
  Result<RawResponse> response = connection->read_response();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(nlohmann::json::parse(response->body)["error"]["code"], "invalid_argument");
  EXPECT_TRUE(connection->closed_by_peer(std::chrono::seconds(10)));
}

TEST_F(ServerTest, AbsoluteFormTargetIs400) {
  start(local_options());
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send("GET http://example.com/x HTTP/1.1\r\nHost: h\r\n\r\n").ok());
  Result<RawResponse> response = connection->read_response();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 400);
}

TEST_F(ServerTest, BadPercentEscapeIs400) {
  router_.add("GET", "/items/{id}", [this](const Request&) {
    calls_++;
    return Response::no_content();
  });
  start(local_options());
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(get_request("/items/a%zz")).ok());
  Result<RawResponse> response = connection->read_response();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 400);
  ASSERT_TRUE(connection->send(get_request("/items/a?q=%zz")).ok());
  Result<RawResponse> query = connection->read_response();
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->status, 400);
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerTest, HandlerExceptionIs500WithGenericMessage) {
  router_.add("GET", "/boom", [](const Request&) -> Response {
    throw std::runtime_error("db password hunter2 leaked");
  });
  start(local_options());
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(get_request("/boom")).ok());
  Result<RawResponse> response = connection->read_response();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(nlohmann::json::parse(response->body)["error"]["code"], "internal");
  EXPECT_EQ(response->body.find("hunter2"), std::string::npos);

  // The connection and the worker survive the exception.
  ASSERT_TRUE(connection->send(get_request("/boom")).ok());
  Result<RawResponse> again = connection->read_response();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->status, 500);
}

TEST_F(ServerTest, SlowSenderIsDisconnected) {
  router_.add("GET", "/x", [this](const Request&) {
    calls_++;
    return Response::no_content();
  });
  ServerOptions options = local_options();
  options.read_timeout = std::chrono::seconds(1);
  start(options);

  auto slow = connect_to(*server_);
  ASSERT_TRUE(slow);
  // At one byte per 100 ms this request would take about 20 s to send whole.
  std::string request =
      "GET /x HTTP/1.1\r\nHost: h\r\nX-Padding: " + std::string(150, 'p') + "\r\n\r\n";
  size_t sent = 0;
  bool cut_off = false;
  bool other_served = false;
  while (sent < request.size()) {
    if (!slow->send(std::string_view(request).substr(sent, 1)).ok()) {
      cut_off = true;
      break;
    }
    ++sent;
    if (sent == 3) {
      auto other = connect_to(*server_);
      ASSERT_TRUE(other);
      ASSERT_TRUE(other->send(get_request("/x")).ok());
      Result<RawResponse> response = other->read_response();
      ASSERT_TRUE(response.ok()) << response.status();
      EXPECT_EQ(response->status, 204);
      other_served = true;
    }
    if (slow->closed_by_peer(milliseconds(100))) {
      cut_off = true;
      break;
    }
  }
  EXPECT_TRUE(cut_off);
  EXPECT_LT(sent, request.size());
  EXPECT_TRUE(other_served);
  EXPECT_EQ(calls_.load(), 1);
}

TEST_F(ServerTest, FullQueueGets503WithRetryAfter) {
  auto gate = std::make_shared<Gate>();
  router_.add("GET", "/block", [gate](const Request&) {
    gate->entered++;
    gate->released.wait();
    return Response::no_content();
  });
  ServerOptions options = local_options();
  options.worker_threads = 1;
  options.max_queued = 1;
  start(options);

  // The first request occupies the only worker.
  auto running = connect_to(*server_);
  ASSERT_TRUE(running);
  ASSERT_TRUE(running->send(get_request("/block")).ok());
  ASSERT_TRUE(eventually([&] { return gate->entered.load() == 1; }));

  // The second waits in the queue.
  auto queued = connect_to(*server_);
  ASSERT_TRUE(queued);
  ASSERT_TRUE(queued->send(get_request("/block")).ok());
  ASSERT_TRUE(eventually([&] { return server_->counters().requests_in_flight == 2; }));

  // The third finds the queue full.
  auto rejected = connect_to(*server_);
  ASSERT_TRUE(rejected);
  ASSERT_TRUE(rejected->send(get_request("/block")).ok());
  Result<RawResponse> busy = rejected->read_response();
  ASSERT_TRUE(busy.ok()) << busy.status();
  EXPECT_EQ(busy->status, 503);
  EXPECT_EQ(busy->headers["Retry-After"], "1");
  EXPECT_EQ(nlohmann::json::parse(busy->body)["error"]["code"], "unavailable");
  EXPECT_EQ(server_->counters().rejected_queue_full, 1u);

  gate->release.set_value();
  Result<RawResponse> first = running->read_response();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->status, 204);
  Result<RawResponse> second = queued->read_response();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->status, 204);
  EXPECT_EQ(gate->entered.load(), 2);
  EXPECT_TRUE(eventually([&] { return server_->counters().requests_in_flight == 0; }));
}

TEST_F(ServerTest, StopFinishesRequestsInFlight) {
  auto gate = std::make_shared<Gate>();
  router_.add("GET", "/block", [gate](const Request&) {
    gate->entered++;
    gate->released.wait();
    return Response::json(200, {{"done", true}});
  });
  start(local_options());
  uint16_t port = server_->port();

  auto busy = connect_to(*server_);
  ASSERT_TRUE(busy);
  ASSERT_TRUE(busy->send(get_request("/block")).ok());
  auto idle = connect_to(*server_);
  ASSERT_TRUE(idle);
  ASSERT_TRUE(eventually([&] { return gate->entered.load() == 1; }));
  ASSERT_TRUE(eventually([&] { return server_->counters().connections_open == 2; }));

  std::thread stopper([this] { server_->stop(); });
  // Once the listener is closed, stop() is under way.
  EXPECT_TRUE(eventually([&] { return !RawConnection::connect(port).ok(); }));
  EXPECT_TRUE(idle->closed_by_peer(std::chrono::seconds(10)));

  gate->release.set_value();
  Result<RawResponse> response = busy->read_response();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(nlohmann::json::parse(response->body)["done"], true);
  EXPECT_FALSE(response->keep_alive);
  stopper.join();
  EXPECT_EQ(server_->counters().connections_open, 0u);
}

// Returns 401 when the request has no Authorization header, as the
// authentication middleware does, so the 100-continue checks can be seen.
Middleware require_authorization() {
  return [](Request& request, const RouteMatch&, const std::function<Response(Request&)>& next) {
    if (request.header("Authorization").empty()) {
      return Response::error(unauthenticated("missing bearer token"));
    }
    return next(request);
  };
}

std::string expect_continue_post(size_t content_length, bool authorized) {
  return "POST /upload HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n" +
         std::string(authorized ? "Authorization: Bearer t\r\n" : "") +
         "Content-Length: " + std::to_string(content_length) + "\r\n\r\n";
}

class ExpectContinueTest : public ServerTest {
 protected:
  void SetUp() override {
    router_.add("POST", "/upload", [this](const Request& request) {
      calls_++;
      return Response::json(200, {{"body", request.body}});
    });
    router_.set_middleware(require_authorization());
    ServerOptions options = local_options();
    options.max_body_bytes = 1024;
    start(options);
  }
};

TEST_F(ExpectContinueTest, ContinueBeforeBody) {
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(expect_continue_post(5, true)).ok());
  // Only the header was sent, so a response now proves the server did not
  // wait for the body.
  Result<RawResponse> interim = connection->read_response();
  ASSERT_TRUE(interim.ok()) << interim.status();
  EXPECT_EQ(interim->status, 100);
  EXPECT_EQ(calls_.load(), 0);

  ASSERT_TRUE(connection->send("hello").ok());
  Result<RawResponse> response = connection->read_response();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(nlohmann::json::parse(response->body)["body"], "hello");
  EXPECT_TRUE(response->keep_alive);
  EXPECT_EQ(calls_.load(), 1);

  // The connection stays usable for a next request.
  ASSERT_TRUE(connection->send(expect_continue_post(2, true)).ok());
  Result<RawResponse> second_interim = connection->read_response();
  ASSERT_TRUE(second_interim.ok()) << second_interim.status();
  EXPECT_EQ(second_interim->status, 100);
  ASSERT_TRUE(connection->send("ok").ok());
  Result<RawResponse> second = connection->read_response();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(calls_.load(), 2);
}

TEST_F(ExpectContinueTest, OverLimitGets413WithoutContinue) {
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(expect_continue_post(1025, true)).ok());
  Result<RawResponse> response = connection->read_response();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(nlohmann::json::parse(response->body)["error"]["code"], "too_large");
  EXPECT_FALSE(response->keep_alive);
  EXPECT_TRUE(connection->closed_by_peer(std::chrono::seconds(10)));
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ExpectContinueTest, MissingTokenGets401WithoutContinue) {
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(expect_continue_post(5, false)).ok());
  Result<RawResponse> response = connection->read_response();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 401);
  EXPECT_FALSE(response->keep_alive);
  EXPECT_TRUE(connection->closed_by_peer(std::chrono::seconds(10)));
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ExpectContinueTest, UnknownRouteGets404WithoutContinue) {
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection
                  ->send("POST /nothing HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
                         "Authorization: Bearer t\r\nContent-Length: 5\r\n\r\n")
                  .ok());
  Result<RawResponse> response = connection->read_response();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ExpectContinueTest, BodySentAnywayIsNotTakenAsRequest) {
  // A client may send the body without waiting; after a 401 those bytes
  // must be discarded, not parsed as a next request.
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);
  const std::string body = "POST /upload HTTP/1.1\r\n\r\n";
  ASSERT_TRUE(connection->send(expect_continue_post(body.size(), false) + body).ok());
  Result<RawResponse> response = connection->read_response();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 401);
  EXPECT_TRUE(connection->closed_by_peer(std::chrono::seconds(10)));
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerTest, StalledHeaderGets408) {
  expect_408_after_stall("GET", "GET /stall HTTP/1.1\r\nHost: h\r\n");
}

TEST_F(ServerTest, StalledBodyGets408) {
  expect_408_after_stall("POST",
                         "POST /stall HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc");
}

TEST_F(ServerTest, IdleKeepAliveClosesWithoutResponse) {
  router_.add("GET", "/x", [](const Request&) { return Response::no_content(); });
  ServerOptions options = local_options();
  options.idle_timeout = milliseconds(300);
  options.read_timeout = milliseconds(300);
  start(options);
  auto connection = connect_to(*server_);
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(get_request("/x")).ok());
  Result<RawResponse> first = connection->read_response();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->status, 204);
  // No byte of a next request: the server closes without sending a 408.
  Result<RawResponse> nothing = connection->read_response();
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.status().code(), StatusCode::kUnavailable) << nothing.status();
}

TEST(Server, BindFailureNamesTheAddress) {
  ServerOptions options = local_options();
  Server first(options, Router());
  ASSERT_TRUE(first.start().ok());

  options.port = first.port();
  Server second(options, Router());
  Status status = second.start();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("127.0.0.1:" + std::to_string(first.port())), std::string::npos)
      << status;
}

TEST(Server, InvalidOptionsAreRejected) {
  ServerOptions options = local_options();
  options.worker_threads = 0;
  Server server(options, Router());
  Status status = server.start();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("worker_threads"), std::string::npos);
}

TEST(Server, HostMustBeAnIpAddress) {
  ServerOptions options = local_options();
  options.host = "not a host";
  Server server(options, Router());
  Status status = server.start();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("not a host"), std::string::npos);
}

TEST(Server, StartTwiceFails) {
  Server server(local_options(), Router());
  ASSERT_TRUE(server.start().ok());
  Status again = server.start();
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  server.stop();
  server.stop();  // a second stop returns at once
}

}  // namespace
}  // namespace floecat::http
