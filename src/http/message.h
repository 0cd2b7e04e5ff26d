#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "core/status.h"

namespace floecat::http {

// Case-insensitive ordering for header names.
struct HeaderNameLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

using Headers = std::map<std::string, std::string, HeaderNameLess>;

// A parsed request as handlers see it.
struct Request {
  std::string method;  // "GET", "POST", ...
  // The path exactly as sent, without the query string (still encoded).
  std::string raw_path;
  // Query parameters, percent-decoded. A repeated key keeps its last value.
  std::map<std::string, std::string> query;
  Headers headers;
  std::string body;
  // Path parameters bound by the route pattern, percent-decoded per segment
  // (so "%2F" inside a segment arrives as "/" and is for the handler to reject).
  std::map<std::string, std::string> params;
  std::string remote_address;
  // Set by the authentication middleware: the verified token's id, and the
  // account it is bound to (empty for an admin token). Empty on public routes.
  std::string caller_token_id;
  std::string caller_account_id;

  // Returns the header value or an empty string.
  std::string header(std::string_view name) const;
  const std::string& param(const std::string& name) const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  // A JSON response with Content-Type application/json.
  static Response json(int status, const nlohmann::json& body);

  // 204 with no body.
  static Response no_content();

  // The error body {"error": {"code", "message"}} with the HTTP status that
  // matches status.code(); 503 responses carry Retry-After.
  static Response error(const Status& status);
};

// Maps a StatusCode to its HTTP status (400, 401, 403, 404, 409, 413, 500, 503).
int http_status_for(StatusCode code);

// Decodes %XX escapes in a path segment or query component; with
// plus_as_space, '+' becomes ' ' (form encoding, for query strings). A '%'
// not followed by two hex digits is kInvalidArgument.
Result<std::string> percent_decode(std::string_view text, bool plus_as_space = false);

// Parses "a=1&b=x%20y" into decoded key/value pairs. A key without '='
// gets an empty value and a repeated key keeps its last value.
Result<std::map<std::string, std::string>> parse_query(std::string_view query);

using Handler = std::function<Response(const Request&)>;

// The route a request matched: its method and pattern as passed to
// Router::add, e.g. "/api/v1/accounts/{account}". Both are empty when no
// route matched the path and method.
struct RouteMatch {
  std::string method;
  std::string pattern;
};

// Runs around every dispatch, after the route is matched and its params are
// bound but before the handler. It may return a response of its own (for
// example 401) or call `next`, which runs the handler, or produces the 404 or
// 405 response when no route matched.
using Middleware = std::function<Response(
    Request& request, const RouteMatch& route, const std::function<Response(Request&)>& next)>;

// Routes by method and path pattern. A pattern is a path whose segments are
// literals or "{name}" placeholders; a placeholder matches one whole,
// non-empty segment. A segment may mix literal text and one placeholder,
// e.g. "storage-authorities:resolve" is a literal and "{id}" a placeholder.
// Literal segments win over placeholders at the same position.
class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler);

  // Finds the route, binds params and calls it. Unknown path: 404; known
  // path with another method: 405 with an Allow header.
  Response dispatch(Request& request) const;

  // Runs the route match and the middleware of a request whose body has not
  // arrived yet (Expect: 100-continue), without calling the handler. Returns
  // status 100 when the middleware would call the handler, otherwise the
  // middleware's own response or the 404 or 405 for an unmatched route.
  Response precheck(Request& request) const;

  // Sets the middleware that wraps every dispatch; at most one.
  void set_middleware(Middleware middleware) { middleware_ = std::move(middleware); }

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };

  Response route(Request& request, bool call_handler) const;

  std::vector<Route> routes_;
  Middleware middleware_;
};

}  // namespace floecat::http
