#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "catalog/token_service.h"
#include "http/audit.h"
#include "http/message.h"

namespace floecat::http {

// How a matched route is protected.
enum class RouteAccess {
  kPublic,   // no token: the health checks
  kAdmin,    // admin token only: accounts create, list and delete, and tokens
  kAccount,  // admin token, or a token of the account the path names
};

// Classifies a matched route by method and pattern. Account routes name
// their account in the {account} (management) or {prefix} (Iceberg) path
// parameter; GET /iceberg/v1/config names it in ?warehouse=. A route this
// function does not know is kAdmin, so a new route is closed to account
// tokens until it is classified.
RouteAccess classify_route(const RouteMatch& route);

// Extracts the token from an "Authorization: Bearer <token>" value. The
// scheme is case-insensitive. Errors: kUnauthenticated for a missing value,
// another scheme or an empty token; messages never quote the value.
Result<std::string_view> bearer_token(std::string_view authorization);

// The authentication and authorization middleware for Router::set_middleware.
//
// Every route but the public ones needs a valid bearer token; otherwise the
// response is 401 with WWW-Authenticate: Bearer. An account token that names
// another account gets 404, the same status as for an account that does not
// exist, so it learns nothing about other accounts. An account token on an
// admin route gets 403: those routes are the same for every caller, so
// refusing them openly leaks nothing. Requests that match no route still need
// a token, so an anonymous caller cannot probe which paths exist.
//
// With an audit log it writes one line per rejected token, per admin action,
// per credential vend and per other request that ends in 4xx or 5xx. It also
// sets the AuditCallerScope around the handler.
class Authenticator {
 public:
  Authenticator(catalog::TokenService& tokens, AuditLog* audit);

  Response handle(Request& request,
                  const RouteMatch& route,
                  const std::function<Response(Request&)>& next);

  // Returns a Middleware bound to this object, which must outlive the router.
  Middleware middleware();

 private:
  Response reject(const Request& request, const Status& status, const std::string& token_id);
  void audit_after(const Request& request, const RouteMatch& route, const Response& response);
  // Writes a "request.reject" line for an authenticated request that ends in
  // 4xx or 5xx and is neither an admin action nor a vend.
  void audit_rejected_request(const Request& request, const Response& response);

  catalog::TokenService& tokens_;
  AuditLog* audit_;
};

// Adds the admin routes for tokens: POST /api/v1/tokens {"account_id",
// "description"} (201, the token shown once), GET /api/v1/tokens and
// DELETE /api/v1/tokens/{id} (204; revokes). `tokens` must outlive the
// router.
void add_token_routes(Router& router, catalog::TokenService& tokens);

}  // namespace floecat::http
