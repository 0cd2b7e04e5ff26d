#include "http/message.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "core/logging.h"

namespace floecat::http {
namespace {

char lower_ascii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// One segment of a route pattern: literal text, or "prefix{name}suffix".
struct PatternSegment {
  bool has_placeholder = false;
  std::string prefix;  // the whole literal when there is no placeholder
  std::string name;
  std::string suffix;
};

PatternSegment parse_pattern_segment(const std::string& segment) {
  PatternSegment parsed;
  size_t open = segment.find('{');
  if (open == std::string::npos) {
    parsed.prefix = segment;
    return parsed;
  }
  size_t close = segment.find('}', open);
  bool valid = close != std::string::npos && close > open + 1 &&
               segment.find('{', open + 1) == std::string::npos &&
               segment.find('}', close + 1) == std::string::npos;
  if (!valid) {
    // Routes are fixed at compile time, so a malformed pattern is a bug.
    logger().critical("route pattern segment '{}' must hold at most one {{name}} placeholder",
                      segment);
    std::abort();
  }
  parsed.has_placeholder = true;
  parsed.prefix = segment.substr(0, open);
  parsed.name = segment.substr(open + 1, close - open - 1);
  parsed.suffix = segment.substr(close + 1);
  return parsed;
}

// Splits "/a/b/c" into {"a", "b", "c"}; "/" gives {""} and "/a/" gives {"a", ""}.
std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  if (!path.empty() && path.front() == '/') {
    path.remove_prefix(1);
  }
  while (true) {
    size_t slash = path.find('/');
    segments.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) {
      break;
    }
    path.remove_prefix(slash + 1);
  }
  return segments;
}

// Ranks at one position: a literal beats a mixed segment, which beats a bare placeholder.
int segment_rank(const PatternSegment& segment) {
  if (!segment.has_placeholder) {
    return 2;
  }
  return (segment.prefix.empty() && segment.suffix.empty()) ? 0 : 1;
}

// Matches decoded path segments against a pattern; on success fills params
// and rank (one entry per segment, for choosing the most literal route).
bool match_route(const std::vector<std::string>& pattern,
                 const std::vector<std::string>& segments,
                 std::map<std::string, std::string>* params,
                 std::vector<int>* rank) {
  if (pattern.size() != segments.size()) {
    return false;
  }
  params->clear();
  rank->clear();
  for (size_t i = 0; i < pattern.size(); ++i) {
    PatternSegment expected = parse_pattern_segment(pattern[i]);
    const std::string& actual = segments[i];
    rank->push_back(segment_rank(expected));
    if (!expected.has_placeholder) {
      if (actual != expected.prefix) {
        return false;
      }
      continue;
    }
    size_t fixed = expected.prefix.size() + expected.suffix.size();
    if (actual.size() <= fixed || !actual.starts_with(expected.prefix) ||
        !actual.ends_with(expected.suffix)) {
      return false;
    }
    (*params)[expected.name] = actual.substr(expected.prefix.size(), actual.size() - fixed);
  }
  return true;
}

// 404 for an unknown path; 405 with an Allow header for a known path with
// another method.
Response unmatched_response(const Request& request, const std::set<std::string>& allowed_methods) {
  if (allowed_methods.empty()) {
    return Response::error(not_found("no route for path " + request.raw_path));
  }
  std::string allow;
  for (const std::string& method : allowed_methods) {
    allow += allow.empty() ? method : ", " + method;
  }
  nlohmann::json body = {{"error",
                          {{"code", "method_not_allowed"},
                           {"message", "method " + request.method + " is not allowed on " +
                                           request.raw_path + "; allowed: " + allow}}}};
  Response response = Response::json(405, body);
  response.headers["Allow"] = allow;
  return response;
}

}  // namespace

bool HeaderNameLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return lower_ascii(x) < lower_ascii(y);
  });
}

std::string Request::header(std::string_view name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

const std::string& Request::param(const std::string& name) const {
  static const std::string kEmpty;
  auto it = params.find(name);
  return it == params.end() ? kEmpty : it->second;
}

Response Response::json(int status, const nlohmann::json& body) {
  Response response;
  response.status = status;
  response.headers["Content-Type"] = "application/json";
  // Messages may quote request bytes that are not UTF-8 (a decoded path
  // segment, say); replacing them with U+FFFD keeps dump() from throwing.
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

Response Response::no_content() {
  Response response;
  response.status = 204;
  return response;
}

Response Response::error(const Status& status) {
  StatusCode code = status.ok() ? StatusCode::kInternal : status.code();
  std::string message = status.ok() ? "an ok status was sent as an error" : status.message();
  nlohmann::json body = {
      {"error", {{"code", std::string(status_code_name(code))}, {"message", message}}}};
  Response response = json(http_status_for(code), body);
  if (response.status == 503) {
    response.headers["Retry-After"] = "1";
  }
  if (code == StatusCode::kUnauthenticated) {
    response.headers["WWW-Authenticate"] = "Bearer";
  }
  return response;
}

int http_status_for(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kTooLarge:
      return 413;
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
      return 503;
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

Result<std::string> percent_decode(std::string_view text, bool plus_as_space) {
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_as_space) {
      decoded.push_back(' ');
      continue;
    }
    if (c != '%') {
      decoded.push_back(c);
      continue;
    }
    int high = -1;
    int low = -1;
    if (i + 2 < text.size()) {
      high = hex_value(text[i + 1]);
      low = hex_value(text[i + 2]);
    }
    if (high < 0 || low < 0) {
      return invalid_argument("invalid percent escape at offset " + std::to_string(i) +
                              ": '%' must be followed by two hex digits");
    }
    decoded.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return decoded;
}

Result<std::map<std::string, std::string>> parse_query(std::string_view query) {
  std::map<std::string, std::string> parsed;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    size_t eq = pair.find('=');
    std::string_view raw_key = pair.substr(0, eq);
    std::string_view raw_value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    Result<std::string> key = percent_decode(raw_key, true);
    if (!key.ok()) {
      return key.status().with_context("query string");
    }
    Result<std::string> value = percent_decode(raw_value, true);
    if (!value.ok()) {
      return value.status().with_context("query parameter '" + *key + "'");
    }
    parsed[*key] = std::move(*value);
  }
  return parsed;
}

void Router::add(std::string method, std::string pattern, Handler handler) {
  std::vector<std::string> segments = split_path(pattern);
  for (const std::string& segment : segments) {
    parse_pattern_segment(segment);  // aborts on a malformed placeholder
  }
  routes_.push_back(
      Route{std::move(method), std::move(pattern), std::move(segments), std::move(handler)});
}

Response Router::dispatch(Request& request) const {
  return route(request, true);
}

Response Router::precheck(Request& request) const {
  return route(request, false);
}

Response Router::route(Request& request, bool call_handler) const {
  std::vector<std::string> segments = split_path(request.raw_path);
  for (std::string& segment : segments) {
    Result<std::string> decoded = percent_decode(segment);
    if (!decoded.ok()) {
      return Response::error(decoded.status().with_context("request path"));
    }
    segment = std::move(*decoded);
  }

  const Route* best = nullptr;
  std::vector<int> best_rank;
  std::map<std::string, std::string> best_params;
  std::set<std::string> allowed_methods;
  std::map<std::string, std::string> params;
  std::vector<int> rank;
  for (const Route& route : routes_) {
    if (!match_route(route.segments, segments, &params, &rank)) {
      continue;
    }
    allowed_methods.insert(route.method);
    if (route.method != request.method) {
      continue;
    }
    if (best == nullptr || rank > best_rank) {
      best = &route;
      best_rank = rank;
      best_params = params;
    }
  }

  RouteMatch match;
  if (best != nullptr) {
    request.params = std::move(best_params);
    match.method = best->method;
    match.pattern = best->pattern;
  }
  auto next = [&](Request& next_request) -> Response {
    if (best != nullptr && !call_handler) {
      Response go_on;
      go_on.status = 100;
      return go_on;
    }
    if (best != nullptr) {
      return best->handler(next_request);
    }
    return unmatched_response(next_request, allowed_methods);
  };
  if (middleware_) {
    return middleware_(request, match, next);
  }
  return next(request);
}

}  // namespace floecat::http
