#include "http/management_api.h"

#include <cstdint>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "core/ids.h"
#include "core/logging.h"

namespace floecat::http {
namespace {

using nlohmann::json;

// Returns true when `text` is well-formed UTF-8 (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t code_point = 0;
    if (byte < 0x80) {
      ++i;
      continue;
    }
    if (byte >= 0xc2 && byte <= 0xdf) {
      length = 2;
      code_point = byte & 0x1f;
    } else if (byte >= 0xe0 && byte <= 0xef) {
      length = 3;
      code_point = byte & 0x0f;
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      length = 4;
      code_point = byte & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) {
      return false;
    }
    for (std::size_t k = 1; k < length; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) {
        return false;
      }
      code_point = (code_point << 6) | (next & 0x3f);
    }
    bool overlong = (length == 3 && code_point < 0x800) || (length == 4 && code_point < 0x10000);
    bool surrogate = code_point >= 0xd800 && code_point <= 0xdfff;
    if (overlong || surrogate || code_point > 0x10ffff) {
      return false;
    }
    i += length;
  }
  return true;
}

// Path parameters name a resource by id (or, for connectors and storage
// authorities, by display name). Either way a blank value, one holding '/'
// (sent encoded as %2F), a control character or bytes that are not UTF-8
// never reaches the services.
Status check_path_param(std::string_view field, std::string_view value) {
  if (is_blank(value)) {
    return invalid_argument(fmt::format("{} in the path must not be blank", field));
  }
  if (value.find('/') != std::string_view::npos) {
    return invalid_argument(fmt::format("{} in the path must not contain '/'", field));
  }
  if (!is_valid_utf8(value)) {
    return invalid_argument(fmt::format("{} in the path must be percent-encoded UTF-8", field));
  }
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return invalid_argument(
          fmt::format("{} in the path must not contain control characters", field));
    }
  }
  return Status();
}

std::optional<std::string_view> if_match(const Request& request) {
  auto it = request.headers.find("If-Match");
  if (it == request.headers.end()) {
    return std::nullopt;
  }
  return std::string_view(it->second);
}

// Sends a resource as JSON with its etag also in the ETag header.
Response resource_response(int status, const Result<json>& result) {
  if (!result.ok()) {
    return Response::error(result.status());
  }
  Response response = Response::json(status, *result);
  if (result->is_object() && result->contains("etag") && (*result)["etag"].is_string()) {
    response.headers["ETag"] = (*result)["etag"].get<std::string>();
  }
  return response;
}

Response status_response(const Status& status) {
  return status.ok() ? Response::no_content() : Response::error(status);
}

// Wraps a handler that needs the {account} path parameter checked first.
Handler with_account(std::function<Response(const Request&, const std::string&)> handler) {
  return [handler = std::move(handler)](const Request& request) {
    const std::string& account = request.param("account");
    if (Status status = check_path_param("account", account); !status.ok()) {
      return Response::error(status);
    }
    return handler(request, account);
  };
}

// Wraps a handler that needs {account} and {id} checked first.
Handler with_account_and_id(
    std::function<Response(const Request&, const std::string&, const std::string&)> handler) {
  return with_account(
      [handler = std::move(handler)](const Request& request, const std::string& account) {
        const std::string& id = request.param("id");
        if (Status status = check_path_param("id", id); !status.ok()) {
          return Response::error(status);
        }
        return handler(request, account, id);
      });
}

void add_account_routes(Router& router, catalog::AccountService& accounts) {
  router.add("POST", "/api/v1/accounts", [&accounts](const Request& request) {
    return resource_response(201, accounts.create(request.body));
  });
  router.add("GET", "/api/v1/accounts",
             [&accounts](const Request&) { return resource_response(200, accounts.list()); });
  router.add("GET", "/api/v1/accounts/{account}",
             with_account([&accounts](const Request&, const std::string& account) {
               return resource_response(200, accounts.get(account));
             }));
  router.add("DELETE", "/api/v1/accounts/{account}",
             with_account([&accounts](const Request&, const std::string& account) {
               return status_response(accounts.remove(account));
             }));
}

// Connectors and storage authorities share one route shape.
template <typename Service>
void add_resource_routes(Router& router, std::string_view collection, Service& service) {
  std::string base = fmt::format("/api/v1/accounts/{{account}}/{}", collection);
  router.add("POST", base,
             with_account([&service](const Request& request, const std::string& account) {
               return resource_response(201, service.create(account, request.body));
             }));
  router.add("GET", base, with_account([&service](const Request&, const std::string& account) {
               return resource_response(200, service.list(account));
             }));
  router.add("GET", base + "/{id}",
             with_account_and_id(
                 [&service](const Request&, const std::string& account, const std::string& id) {
                   return resource_response(200, service.get(account, id));
                 }));
  router.add("PATCH", base + "/{id}",
             with_account_and_id([&service](const Request& request, const std::string& account,
                                            const std::string& id) {
               return resource_response(
                   200, service.update(account, id, request.body, if_match(request)));
             }));
  router.add("DELETE", base + "/{id}",
             with_account_and_id([&service](const Request& request, const std::string& account,
                                            const std::string& id) {
               return status_response(service.remove(account, id, if_match(request)));
             }));
}

}  // namespace

void add_health_routes(Router& router, std::vector<ReadinessCheck> checks) {
  router.add("GET", "/healthz", [](const Request&) {
    return Response::json(200, json{{"status", "ok"}});
  });
  router.add("GET", "/readyz", [checks = std::move(checks)](const Request&) {
    json body = {{"status", "ok"}, {"checks", json::object()}};
    for (const ReadinessCheck& check : checks) {
      Status status = check.check();
      body["checks"][check.name] = status.ok() ? "ok" : status.message();
      if (!status.ok()) {
        logger().warn("readiness check {} failed: {}", check.name, status);
        body["status"] = "unavailable";
      }
    }
    if (body["status"] != "ok") {
      Response response = Response::json(503, body);
      response.headers["Retry-After"] = "1";
      return response;
    }
    return Response::json(200, body);
  });
}

void add_management_routes(Router& router, catalog::Catalog& catalog) {
  add_account_routes(router, catalog.accounts());
  add_resource_routes(router, "connectors", catalog.connectors());
  add_resource_routes(router, "storage-authorities", catalog.storage_authorities());
  router.add("POST", "/api/v1/accounts/{account}/storage-authorities:resolve",
             with_account([&catalog](const Request& request, const std::string& account) {
               return resource_response(
                   200, catalog.storage_authorities().resolve(account, request.body));
             }));
}

}  // namespace floecat::http
