#include "http/client.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace floecat::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

bool is_token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// The URL up to its path, for error messages: a path or query may carry a
// token, and callers reject user info before quoting anything.
std::string quote_origin(std::string_view url) {
  size_t scheme_end = url.find("://");
  size_t origin_end =
      url.find_first_of("/?#", scheme_end == std::string_view::npos ? 0 : scheme_end + 3);
  return "'" + std::string(url.substr(0, origin_end)) + "'";
}

Result<uint16_t> parse_port(std::string_view text, std::string_view url) {
  if (text.empty() || text.size() > 5) {
    return invalid_argument("URL " + quote_origin(url) + " has an invalid port '" +
                            std::string(text) + "': expected 1 to 65535");
  }
  uint32_t port = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return invalid_argument("URL " + quote_origin(url) + " has an invalid port '" +
                              std::string(text) + "': expected 1 to 65535");
    }
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  if (port == 0 || port > 65535) {
    return invalid_argument("URL " + quote_origin(url) + " has an invalid port '" +
                            std::string(text) + "': expected 1 to 65535");
  }
  return static_cast<uint16_t>(port);
}

// State of one exchange; the callbacks run on the calling thread inside run_for().
struct Exchange {
  net::io_context ioc;
  tcp::resolver resolver{ioc};
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;
  bhttp::request<bhttp::string_body> request;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser;
  size_t max_body_bytes = 0;
  bool done = false;
  std::string failed_step;  // empty on success
  beast::error_code error;

  // Reads the body after the header. Beast 1.74 drops the body_limit error
  // for a response Content-Length when it parses eagerly, so that case is
  // checked here before the body is read.
  void read_body() {
    auto length = parser->content_length();  // a boost::optional
    if (length && *length > max_body_bytes) {
      return fail("reading the response failed", bhttp::error::body_limit);
    }
    bhttp::async_read(socket, buffer, *parser, [this](beast::error_code ec, size_t) {
      if (ec) {
        return fail("reading the response failed", ec);
      }
      done = true;
    });
  }

  void fail(std::string step, beast::error_code ec) {
    done = true;
    failed_step = std::move(step);
    error = ec;
  }
};

}  // namespace

Result<HttpUrl> parse_http_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  std::string lowered(url.substr(0, std::min(url.size(), size_t{8})));
  for (char& c : lowered) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  std::string_view rest = url.substr(std::min(url.size(), kScheme.size()));
  rest = rest.substr(0, rest.find('#'));
  size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? "" : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return invalid_argument(
        "server URL must not contain user info (user:password@); pass credentials in headers");
  }
  if (lowered.starts_with("https://")) {
    return invalid_argument("URL " + quote_origin(url) +
                            " uses https, which this client does not support yet; use http://");
  }
  if (!lowered.starts_with(kScheme)) {
    return invalid_argument("URL " + quote_origin(url) + " must start with http://");
  }

  HttpUrl parsed;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return invalid_argument("URL " + quote_origin(url) + " has an unclosed '[' in its host");
    }
    parsed.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return invalid_argument("URL " + quote_origin(url) + " has text after its IPv6 host");
      }
      port_text = after.substr(1);
    }
  } else {
    size_t colon = authority.find(':');
    parsed.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
    }
  }
  if (parsed.host.empty()) {
    return invalid_argument("URL " + quote_origin(url) + " has no host");
  }
  if (!port_text.empty() || authority.ends_with(":")) {
    FLOECAT_ASSIGN_OR_RETURN(parsed.port, parse_port(port_text, url));
  }
  parsed.target = target.empty() ? "/" : std::string(target);
  if (parsed.target.front() == '?') {
    parsed.target.insert(0, "/");
  }
  return parsed;
}

Result<ClientResponse> Client::request(std::string_view method,
                                       std::string_view url,
                                       const Headers& headers,
                                       std::string_view body) const {
  FLOECAT_ASSIGN_OR_RETURN(HttpUrl target, parse_http_url(url));
  if (method.empty() || !std::all_of(method.begin(), method.end(), is_token_char)) {
    return invalid_argument("HTTP method '" + std::string(method) + "' is not a valid token");
  }
  std::string address = target.host.find(':') == std::string::npos
                            ? target.host + ":" + std::to_string(target.port)
                            : "[" + target.host + "]:" + std::to_string(target.port);

  Exchange exchange;
  bhttp::request<bhttp::string_body>& message = exchange.request;
  message.method_string(beast::string_view(method.data(), method.size()));
  message.target(target.target);
  message.version(11);
  message.set(bhttp::field::host, address);
  message.set(bhttp::field::user_agent, "floecat");
  for (const auto& [name, value] : headers) {
    message.set(name, value);
  }
  if (!body.empty() && headers.find("Content-Type") == headers.end()) {
    message.set(bhttp::field::content_type, "application/json");
  }
  message.body() = std::string(body);
  message.keep_alive(false);
  message.prepare_payload();

  exchange.parser.emplace();
  exchange.parser->header_limit(64 * 1024);
  exchange.parser->body_limit(options_.max_response_bytes);
  exchange.max_body_bytes = options_.max_response_bytes;
  if (message.method() == bhttp::verb::head) {
    exchange.parser->skip(true);
  }

  // Each step starts the next; run_for() below bounds the whole chain.
  Exchange* ex = &exchange;
  exchange.resolver.async_resolve(
      target.host, std::to_string(target.port),
      [ex](beast::error_code ec, tcp::resolver::results_type endpoints) {
        if (ec) {
          return ex->fail("resolving the host failed", ec);
        }
        net::async_connect(ex->socket, endpoints, [ex](beast::error_code ec, const tcp::endpoint&) {
          if (ec) {
            return ex->fail("connect failed", ec);
          }
          bhttp::async_write(ex->socket, ex->request, [ex](beast::error_code ec, size_t) {
            if (ec) {
              return ex->fail("sending the request failed", ec);
            }
            bhttp::async_read_header(ex->socket, ex->buffer, *ex->parser,
                                     [ex](beast::error_code ec, size_t) {
                                       if (ec) {
                                         return ex->fail("reading the response failed", ec);
                                       }
                                       ex->read_body();
                                     });
          });
        });
      });
  exchange.ioc.run_for(options_.timeout);

  if (!exchange.done) {
    beast::error_code ignored;
    exchange.resolver.cancel();
    exchange.socket.close(ignored);
    exchange.ioc.restart();
    exchange.ioc.run();
    return unavailable("request to " + address + " timed out after " +
                       std::to_string(options_.timeout.count()) + " ms");
  }
  if (exchange.error == bhttp::error::body_limit) {
    return too_large("response from " + address + " is larger than the limit of " +
                     std::to_string(options_.max_response_bytes) + " bytes");
  }
  if (!exchange.failed_step.empty()) {
    return unavailable("request to " + address + ": " + exchange.failed_step + ": " +
                       exchange.error.message());
  }

  auto response = exchange.parser->release();
  ClientResponse result;
  result.status = static_cast<int>(response.result_int());
  for (const auto& field : response) {
    std::string name(field.name_string());
    auto [it, inserted] = result.headers.emplace(name, std::string(field.value()));
    if (!inserted) {
      it->second += ", " + std::string(field.value());
    }
  }
  result.body = std::move(response.body());
  return result;
}

}  // namespace floecat::http
