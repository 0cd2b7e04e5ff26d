#include "http/auth.h"

#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "core/logging.h"

namespace floecat::http {
namespace {

using nlohmann::json;

constexpr std::string_view kIcebergBase = "/iceberg/";

bool is_iceberg_path(const Request& request) {
  return request.raw_path.starts_with(kIcebergBase);
}

bool starts_with_ignore_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char a = text[i];
    char b = prefix[i];
    if (a >= 'A' && a <= 'Z') {
      a = static_cast<char>(a - 'A' + 'a');
    }
    if (b >= 'A' && b <= 'Z') {
      b = static_cast<char>(b - 'A' + 'a');
    }
    if (a != b) {
      return false;
    }
  }
  return true;
}

// Builds an error in the format of the surface the path belongs to: the
// Iceberg error model under /iceberg, {"error": {"code", "message"}} elsewhere.
Response error_response(const Request& request, const Status& status) {
  Response response;
  if (is_iceberg_path(request)) {
    int http_status = http_status_for(status.code());
    std::string type = "NotFoundException";
    if (status.code() == StatusCode::kUnauthenticated) {
      type = "NotAuthorizedException";
    } else if (status.code() == StatusCode::kPermissionDenied) {
      type = "ForbiddenException";
    } else if (status.code() != StatusCode::kNotFound) {
      type = "ServiceUnavailableException";
    }
    response = Response::json(
        http_status,
        json{{"error", {{"message", status.message()}, {"type", type}, {"code", http_status}}}});
    if (http_status == 503) {
      response.headers["Retry-After"] = "1";
    }
  } else {
    response = Response::error(status);
  }
  if (request.method == "HEAD") {
    response.body.clear();
  }
  return response;
}

// The account a request names: {account}, {prefix} or ?warehouse=.
std::string named_account(const Request& request) {
  if (auto it = request.params.find("account"); it != request.params.end()) {
    return it->second;
  }
  if (auto it = request.params.find("prefix"); it != request.params.end()) {
    return it->second;
  }
  if (auto it = request.query.find("warehouse"); it != request.query.end()) {
    return it->second;
  }
  return "";
}

// Returns the action name of an admin route, e.g. "account.create".
std::string admin_action(const RouteMatch& route) {
  static const std::pair<std::pair<std::string_view, std::string_view>, std::string_view>
      kActions[] = {
          {{"POST", "/api/v1/accounts"}, "account.create"},
          {{"GET", "/api/v1/accounts"}, "account.list"},
          {{"DELETE", "/api/v1/accounts/{account}"}, "account.delete"},
          {{"POST", "/api/v1/tokens"}, "token.create"},
          {{"GET", "/api/v1/tokens"}, "token.list"},
          {{"DELETE", "/api/v1/tokens/{id}"}, "token.revoke"},
      };
  for (const auto& [key, action] : kActions) {
    if (key.first == route.method && key.second == route.pattern) {
      return std::string(action);
    }
  }
  return fmt::format("admin {} {}", route.method, route.pattern);
}

// True when the request is for temporary storage credentials.
bool is_vend(const Request& request, const RouteMatch& route) {
  if (route.pattern.ends_with("storage-authorities:resolve")) {
    json body = json::parse(request.body, nullptr, false);
    return body.is_object() && body.contains("include_credentials") &&
           body["include_credentials"] == true;
  }
  if (route.pattern.starts_with(kIcebergBase) && route.pattern.ends_with("/credentials")) {
    return true;
  }
  if (route.pattern.starts_with(kIcebergBase) && route.pattern.ends_with("/tables/{table}") &&
      route.method == "GET") {
    return request.header("X-Iceberg-Access-Delegation").find("vended-credentials") !=
           std::string::npos;
  }
  return false;
}

std::string response_string_field(const Response& response, std::string_view field) {
  json body = json::parse(response.body, nullptr, false);
  if (body.is_object() && body.contains(field) && body[field].is_string()) {
    return body[field].get<std::string>();
  }
  return "";
}

}  // namespace

RouteAccess classify_route(const RouteMatch& route) {
  if (route.method == "GET" && (route.pattern == "/healthz" || route.pattern == "/readyz")) {
    return RouteAccess::kPublic;
  }
  if (route.pattern == "/api/v1/accounts/{account}" && route.method == "GET") {
    return RouteAccess::kAccount;
  }
  if (route.pattern.starts_with("/api/v1/accounts/{account}/")) {
    return RouteAccess::kAccount;
  }
  if (route.pattern.starts_with("/iceberg/v1/{prefix}/")) {
    return RouteAccess::kAccount;
  }
  if (route.pattern == "/iceberg/v1/config" && route.method == "GET") {
    return RouteAccess::kAccount;
  }
  return RouteAccess::kAdmin;
}

Result<std::string_view> bearer_token(std::string_view authorization) {
  if (authorization.empty()) {
    return unauthenticated("missing Authorization header: send 'Authorization: Bearer <token>'");
  }
  constexpr std::string_view kScheme = "bearer ";
  if (!starts_with_ignore_case(authorization, kScheme)) {
    return unauthenticated("the Authorization header must use the Bearer scheme");
  }
  std::string_view token = trim(authorization.substr(kScheme.size()));
  if (token.empty()) {
    return unauthenticated("the Authorization header has an empty bearer token");
  }
  return token;
}

Authenticator::Authenticator(catalog::TokenService& tokens, AuditLog* audit)
    : tokens_(tokens), audit_(audit) {}

Middleware Authenticator::middleware() {
  return [this](Request& request, const RouteMatch& route,
                const std::function<Response(Request&)>& next) {
    return handle(request, route, next);
  };
}

Response Authenticator::reject(const Request& request,
                               const Status& status,
                               const std::string& token_id) {
  logger().info("rejected {} {} from {}{}: {}", request.method, request.raw_path,
                request.remote_address, token_id.empty() ? "" : " with token " + token_id,
                status_code_name(status.code()));
  if (audit_ != nullptr) {
    AuditEvent event;
    event.action = "auth.reject";
    event.account_id = named_account(request);
    event.token_id = token_id;
    event.resource = request.method + " " + request.raw_path;
    event.outcome = audit_outcome(status);
    event.remote_address = request.remote_address;
    audit_->record(event);
  }
  Response response = error_response(request, status);
  if (status.code() == StatusCode::kUnauthenticated) {
    bool missing = request.header("Authorization").empty();
    response.headers["WWW-Authenticate"] =
        missing ? "Bearer realm=\"floecat\"" : "Bearer realm=\"floecat\", error=\"invalid_token\"";
  }
  return response;
}

Response Authenticator::handle(Request& request,
                               const RouteMatch& route,
                               const std::function<Response(Request&)>& next) {
  request.caller_token_id.clear();
  request.caller_account_id.clear();
  bool matched = !route.pattern.empty();
  RouteAccess access = matched ? classify_route(route) : RouteAccess::kAdmin;
  if (matched && access == RouteAccess::kPublic) {
    return next(request);
  }

  // bearer_token returns a view into this string.
  const std::string authorization = request.header("Authorization");
  Result<std::string_view> token = bearer_token(authorization);
  if (!token.ok()) {
    return reject(request, token.status(), "");
  }
  Result<catalog::Principal> principal = tokens_.verify(*token);
  if (!principal.ok()) {
    std::string token_id;
    if (Result<catalog::ParsedToken> parsed = catalog::parse_token(*token); parsed.ok()) {
      token_id = parsed->id;
    }
    if (principal.status().code() != StatusCode::kUnauthenticated) {
      logger().error("verifying token {} failed: {}", token_id, principal.status());
    }
    return reject(request, principal.status(), token_id);
  }
  request.caller_token_id = principal->token_id;
  request.caller_account_id = principal->account_id;

  if (matched && !principal->admin) {
    if (access == RouteAccess::kAdmin) {
      return reject(request,
                    permission_denied(
                        fmt::format("{} {} needs an admin token", request.method, route.pattern)),
                    principal->token_id);
    }
    std::string account = named_account(request);
    // A request without an account name (GET /iceberg/v1/config without
    // ?warehouse=) goes on, and the handler rejects it.
    if (!account.empty() && account != principal->account_id) {
      return reject(request, not_found(fmt::format("account '{}' not found", account)),
                    principal->token_id);
    }
  }

  AuditCallerScope scope(principal->token_id, request.remote_address);
  Response response = next(request);
  // A 1xx status comes from Router::precheck, before any handler ran, so
  // there is nothing to audit yet.
  if (response.status < 200) {
    return response;
  }
  if (matched) {
    audit_after(request, route, response);
  } else if (response.status >= 400) {
    audit_rejected_request(request, response);
  }
  return response;
}

void Authenticator::audit_rejected_request(const Request& request, const Response& response) {
  if (audit_ == nullptr) {
    return;
  }
  AuditEvent event;
  event.action = "request.reject";
  event.account_id = named_account(request);
  event.token_id = request.caller_token_id;
  event.resource = request.method + " " + request.raw_path;
  event.outcome = audit_outcome_for_http_status(response.status);
  event.remote_address = request.remote_address;
  audit_->record(event);
}

void Authenticator::audit_after(const Request& request,
                                const RouteMatch& route,
                                const Response& response) {
  if (audit_ == nullptr) {
    return;
  }
  AuditEvent event;
  event.token_id = request.caller_token_id;
  event.remote_address = request.remote_address;
  event.outcome = audit_outcome_for_http_status(response.status);
  event.account_id = named_account(request);
  if (classify_route(route) == RouteAccess::kAdmin) {
    event.action = admin_action(route);
    if (auto it = request.params.find("id"); it != request.params.end()) {
      event.resource = it->second;
    } else if (auto account = request.params.find("account"); account != request.params.end()) {
      event.resource = account->second;
    } else if (response.status == 201) {
      event.resource = response_string_field(response, "id");
    } else {
      event.resource = route.pattern;
    }
    if (event.action == "token.create" && response.status == 201) {
      event.account_id = response_string_field(response, "account_id");
    } else if (event.action == "account.create" && response.status == 201) {
      event.account_id = event.resource;
    }
    audit_->record(event);
    return;
  }
  if (is_vend(request, route)) {
    event.action = "vend";
    event.resource = request.raw_path;
    audit_->record(event);
  } else if (response.status >= 400) {
    audit_rejected_request(request, response);
  }
}

void add_token_routes(Router& router, catalog::TokenService& tokens) {
  router.add("POST", "/api/v1/tokens", [&tokens](const Request& request) {
    Result<json> created = tokens.create(request.body);
    if (!created.ok()) {
      return Response::error(created.status());
    }
    Response response = Response::json(201, *created);
    response.headers["Cache-Control"] = "no-store";
    return response;
  });
  router.add("GET", "/api/v1/tokens", [&tokens](const Request&) {
    Result<json> listed = tokens.list();
    return listed.ok() ? Response::json(200, *listed) : Response::error(listed.status());
  });
  router.add("DELETE", "/api/v1/tokens/{id}", [&tokens](const Request& request) {
    Status status = tokens.revoke(request.param("id"));
    return status.ok() ? Response::no_content() : Response::error(status);
  });
}

}  // namespace floecat::http
