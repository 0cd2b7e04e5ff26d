#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/message.h"

namespace floecat::http::testing {

struct RawResponse {
  int status = 0;
  Headers headers;
  std::string body;
  bool keep_alive = true;
};

// A plain TCP connection to a server on 127.0.0.1 that sends bytes exactly
// as given, so tests can write malformed, partial or slow requests.
class RawConnection {
 public:
  static Result<std::unique_ptr<RawConnection>> connect(uint16_t port);
  ~RawConnection();

  // Writes all bytes. Returns kUnavailable when the peer has closed.
  Status send(std::string_view bytes);

  // Reads one HTTP response. Returns kUnavailable when the connection ends
  // first and kDeadlineExceeded after `timeout`, which only guards against a
  // test hanging.
  // With head_request the response is read as the response to HEAD (no body).
  Result<RawResponse> read_response(std::chrono::milliseconds timeout = std::chrono::seconds(10),
                                    bool head_request = false);

  // Returns true when the server closed the connection (end of stream or
  // reset) within `timeout`, false when it is still open. Bytes that arrive
  // are discarded.
  bool closed_by_peer(std::chrono::milliseconds timeout);

 private:
  struct State;
  explicit RawConnection(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace floecat::http::testing
