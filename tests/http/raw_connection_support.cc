#include "http/raw_connection_support.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace floecat::http::testing {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct RawConnection::State {
  net::io_context ioc;
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;
};

RawConnection::RawConnection(std::unique_ptr<State> state) : state_(std::move(state)) {}

RawConnection::~RawConnection() {
  beast::error_code ignored;
  state_->socket.close(ignored);
}

Result<std::unique_ptr<RawConnection>> RawConnection::connect(uint16_t port) {
  auto state = std::make_unique<State>();
  beast::error_code ec;
  state->socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  if (ec) {
    return unavailable("connect to 127.0.0.1:" + std::to_string(port) + " failed: " + ec.message());
  }
  return std::unique_ptr<RawConnection>(new RawConnection(std::move(state)));
}

Status RawConnection::send(std::string_view bytes) {
  beast::error_code ec;
  net::write(state_->socket, net::buffer(bytes.data(), bytes.size()), ec);
  if (ec) {
    return unavailable("write failed: " + ec.message());
  }
  return Status::ok_status();
}

Result<RawResponse> RawConnection::read_response(std::chrono::milliseconds timeout,
                                                 bool head_request) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  parser.skip(head_request);
  bool done = false;
  beast::error_code result;
  bhttp::async_read(state_->socket, state_->buffer, parser, [&](beast::error_code ec, size_t) {
    done = true;
    result = ec;
  });
  state_->ioc.restart();
  state_->ioc.run_for(timeout);
  if (!done) {
    beast::error_code ignored;
    state_->socket.cancel(ignored);
    state_->ioc.restart();
    state_->ioc.run();
    return deadline_exceeded("no response within the test's guard time");
  }
  if (result) {
    return unavailable("reading the response failed: " + result.message());
  }
  auto message = parser.release();
  RawResponse response;
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    response.headers[std::string(field.name_string())] = std::string(field.value());
  }
  response.body = std::move(message.body());
  response.keep_alive = message.keep_alive();
  return response;
}

bool RawConnection::closed_by_peer(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char scratch[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    bool done = false;
    beast::error_code result;
    state_->socket.async_read_some(net::buffer(scratch), [&](beast::error_code ec, size_t) {
      done = true;
      result = ec;
    });
    state_->ioc.restart();
    state_->ioc.run_until(deadline);
    if (!done) {
      beast::error_code ignored;
      state_->socket.cancel(ignored);
      state_->ioc.restart();
      state_->ioc.run();
      return false;
    }
    if (result) {
      return true;
    }
  }
  return false;
}

}  // namespace floecat::http::testing
