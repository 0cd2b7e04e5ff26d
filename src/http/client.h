#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/message.h"

namespace floecat::http {

struct ClientOptions {
  // Limit for the whole exchange: name lookup, connect, send and receive.
  std::chrono::milliseconds timeout = std::chrono::seconds(30);
  // A larger response body fails with kTooLarge.
  size_t max_response_bytes = 64 * 1024 * 1024;
};

struct ClientResponse {
  int status = 0;
  Headers headers;  // a repeated field keeps its values joined by ", "
  std::string body;
};

// The parts of an "http://host[:port]/path?query" URL.
struct HttpUrl {
  std::string host;  // without the brackets of an IPv6 literal
  uint16_t port = 80;
  std::string target;  // path and query, at least "/"
};

// Parses an http:// URL. Other schemes, user info and bad ports are
// kInvalidArgument naming the URL and the rule. A fragment is dropped.
Result<HttpUrl> parse_http_url(std::string_view url);

// A synchronous HTTP/1.1 client on Boost.Beast, one connection per request.
// It sets Host, Content-Length and, for a non-empty body without one,
// Content-Type: application/json. Thread safety: const methods may be called
// from several threads at once.
class Client {
 public:
  explicit Client(ClientOptions options = {}) : options_(options) {}

  // Sends one request and reads the whole response. Returns kInvalidArgument
  // for a bad URL or method, kUnavailable naming host:port when the server
  // cannot be reached, the exchange fails or the timeout passes, and
  // kTooLarge for a response body over max_response_bytes. Any HTTP status is
  // a successful result.
  Result<ClientResponse> request(std::string_view method,
                                 std::string_view url,
                                 const Headers& headers = {},
                                 std::string_view body = {}) const;

 private:
  ClientOptions options_;
};

}  // namespace floecat::http
