// Fuzzes the JSON request bodies of the management API and the Iceberg REST
// catalog, dispatched through the real router onto real stores (SQLite
// records and the local encrypted secrets store in a temporary directory).
//
// Input: the first line names the route, the rest is the request body.
//   account            POST /api/v1/accounts
//   connector          POST .../connectors
//   connector-update   PATCH .../connectors/{id} of a fresh connector
//   authority          POST .../storage-authorities
//   authority-update   PATCH .../storage-authorities/{id} of a fresh authority
//   resolve            POST .../storage-authorities:resolve
//   namespace          POST /iceberg/v1/{prefix}/namespaces
//   register           POST /iceberg/v1/{prefix}/namespaces/fuzz-ns/register
// Any other first line picks a route by its first byte.
//
// Checked properties:
// - no exception leaves a handler;
// - no response is a 5xx, except the 503 of register, because this target
//   configures no credential vending;
// - every response body is JSON;
// - no sensitive credential value of the request comes back in the response
//   (one found there counts only if it comes back again when the request is
//   resent with that value rotated);
// - whatever a request creates can be deleted again, which also keeps the
//   stores the same size between inputs.

#include <stdlib.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/auth_credentials.h"
#include "catalog/catalog.h"
#include "core/logging.h"
#include "fuzz/fuzz_support.h"
#include "http/iceberg_api.h"
#include "http/management_api.h"
#include "http/message.h"
#include "records/sqlite_record_store.h"
#include "secrets/local_secrets_store.h"

namespace {

using floecat::fuzz::check;
using nlohmann::json;

constexpr std::string_view kAccount = "fuzz-account";
constexpr std::string_view kAccountPath = "/api/v1/accounts/fuzz-account";
constexpr std::string_view kIcebergPath = "/iceberg/v1/fuzz-account/namespaces";

constexpr std::string_view kPatchConnector =
    R"({"display_name": "patch-target", "kind": "iceberg", "uri": "https://catalog.example/api",
        "auth": {"scheme": "oauth2", "credentials": {"type": "bearer", "token": "initial-token"}}})";
constexpr std::string_view kPatchAuthority =
    R"({"display_name": "patch-target", "location_prefix": "s3://fuzz-bucket/patch-target",
        "region": "us-east-1", "credentials": {"type": "aws", "access_key_id": "AKIAPATCHTARGET",
        "secret_access_key": "initial-secret-key"}})";

enum class Route {
  kAccount,
  kConnector,
  kConnectorUpdate,
  kAuthority,
  kAuthorityUpdate,
  kResolve,
  kNamespace,
  kRegister,
};

constexpr std::array<std::pair<std::string_view, Route>, 8> kRoutes = {{
    {"account", Route::kAccount},
    {"connector", Route::kConnector},
    {"connector-update", Route::kConnectorUpdate},
    {"authority", Route::kAuthority},
    {"authority-update", Route::kAuthorityUpdate},
    {"resolve", Route::kResolve},
    {"namespace", Route::kNamespace},
    {"register", Route::kRegister},
}};

// Percent-encodes a path segment: everything but RFC 3986 unreserved bytes.
std::string encode_segment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      encoded.push_back(c);
    } else {
      encoded.push_back('%');
      encoded.push_back(kHex[byte >> 4]);
      encoded.push_back(kHex[byte & 0xf]);
    }
  }
  return encoded;
}

// The stores, catalog and router every input runs against.
struct Fixture {
  std::filesystem::path directory;
  std::unique_ptr<floecat::records::SqliteRecordStore> records;
  std::unique_ptr<floecat::secrets::LocalSecretsStore> secrets;
  std::unique_ptr<floecat::catalog::Catalog> catalog;
  floecat::http::Router router;

  floecat::http::Response send(std::string method, std::string path, std::string body) {
    floecat::http::Request request;
    request.method = std::move(method);
    request.raw_path = std::move(path);
    request.body = std::move(body);
    request.remote_address = "127.0.0.1";
    if (!request.body.empty()) {
      request.headers["Content-Type"] = "application/json";
    }
    return router.dispatch(request);
  }
};

void check_setup(const floecat::http::Response& response, int expected, const char* step) {
  if (response.status != expected) {
    std::fprintf(stderr, "fuzz setup failed: %s returned %d: %s\n", step, response.status,
                 response.body.c_str());
    std::abort();
  }
}

Fixture& fixture() {
  static Fixture* instance = [] {
    floecat::logger().set_level(spdlog::level::off);
    auto* created = new Fixture();
    std::string pattern =
        (std::filesystem::temp_directory_path() / "floecat-api-fuzz-XXXXXX").string();
    check(mkdtemp(pattern.data()) != nullptr, "cannot create a temporary directory");
    created->directory = pattern;
    static std::string to_remove = pattern;
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(to_remove, ignored);
    });

    auto records =
        floecat::records::SqliteRecordStore::open((created->directory / "records.db").string());
    check(records.ok(), "cannot open the SQLite record store");
    created->records = std::move(*records);

    floecat::secrets::LocalSecretsStoreOptions options;
    options.database_path = (created->directory / "secrets.db").string();
    options.key_file_path = (created->directory / "master.key").string();
    options.env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    auto secrets = floecat::secrets::LocalSecretsStore::open(options);
    check(secrets.ok(), "cannot open the local secrets store");
    created->secrets = std::move(*secrets);

    created->catalog = std::make_unique<floecat::catalog::Catalog>(
        *created->secrets, *created->records, floecat::SystemClock::instance());
    floecat::http::add_management_routes(created->router, *created->catalog);
    floecat::http::add_iceberg_routes(created->router, *created->catalog, nullptr);

    check_setup(created->send("POST", "/api/v1/accounts",
                              R"({"id": "fuzz-account", "display_name": "Fuzz"})"),
                201, "creating the account");
    check_setup(created->send("POST", std::string(kIcebergPath), R"({"namespace": ["fuzz-ns"]})"),
                200, "creating the namespace");
    check_setup(
        created->send("POST", std::string(kAccountPath) + "/storage-authorities",
                      R"({"display_name": "base", "location_prefix": "s3://fuzz-bucket/base",
                                  "credentials": {"type": "aws", "access_key_id": "AKIABASE",
                                  "secret_access_key": "base-secret-key"}})"),
        201, "creating the base storage authority");
    return created;
  }();
  return *instance;
}

Route pick_route(std::string_view name) {
  for (const auto& [route_name, route] : kRoutes) {
    if (name == route_name) {
      return route;
    }
  }
  auto first = name.empty() ? 0 : static_cast<unsigned char>(name.front());
  return kRoutes[first % kRoutes.size()].second;
}

// Collects the sensitive credential values of a request body: the fields the
// credential schema marks sensitive, and values under map keys that look
// secret. Values shorter than 12 bytes, or that occur more than once in the
// body, are left out, because they may come back for another reason.
void collect_secrets(const json& credentials,
                     std::string_view body,
                     std::vector<std::string>& secrets) {
  if (!credentials.is_object()) {
    return;
  }
  auto add = [&](const json& value) {
    if (!value.is_string()) {
      return;
    }
    std::string escaped = json(value).dump();
    escaped = escaped.substr(1, escaped.size() - 2);
    std::size_t first = body.find(escaped);
    if (escaped.size() >= 12 && first != std::string_view::npos &&
        body.find(escaped, first + 1) == std::string_view::npos) {
      secrets.push_back(escaped);
    }
  };
  auto type = credentials.find("type");
  if (type != credentials.end() && type->is_string()) {
    if (const auto* schema = floecat::catalog::find_credential_schema(type->get<std::string>())) {
      for (const floecat::catalog::CredentialField& field : schema->fields) {
        auto it = credentials.find(std::string(field.name));
        if (field.sensitive && it != credentials.end()) {
          add(*it);
        }
      }
    }
  }
  for (std::string_view map_name : {"properties", "headers"}) {
    auto map = credentials.find(map_name);
    if (map == credentials.end() || !map->is_object()) {
      continue;
    }
    for (const auto& [key, value] : map->items()) {
      if (floecat::catalog::is_sensitive_map_key(key)) {
        add(value);
      }
    }
  }
}

std::vector<std::string> secrets_of(std::string_view body) {
  std::vector<std::string> secrets;
  json document = json::parse(body, nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    return secrets;
  }
  if (auto it = document.find("credentials"); it != document.end()) {
    collect_secrets(*it, body, secrets);
  }
  if (auto auth = document.find("auth"); auth != document.end() && auth->is_object()) {
    if (auto it = auth->find("credentials"); it != auth->end()) {
      collect_secrets(*it, body, secrets);
    }
  }
  return secrets;
}

// With FLOECAT_FUZZ_TRACE set, every response status is printed, so that a
// seed's author can see which branch an input reaches.
bool trace_enabled() {
  static const bool enabled = std::getenv("FLOECAT_FUZZ_TRACE") != nullptr;
  return enabled;
}

// Checks the status and body of a response and adds to `found` each of
// `secrets` that the body contains.
void check_response(const floecat::http::Response& response,
                    Route route,
                    const std::vector<std::string>& secrets,
                    std::vector<std::string>& found) {
  if (trace_enabled()) {
    std::fprintf(stderr, "route %d: status %d %s\n", static_cast<int>(route), response.status,
                 response.body.substr(0, 160).c_str());
  }
  bool allowed_503 = route == Route::kRegister && response.status == 503;
  if (response.status >= 500 && !allowed_503) {
    std::fprintf(stderr, "status %d, body %s\n", response.status, response.body.c_str());
  }
  check(response.status < 500 || allowed_503, "a request body produced a 5xx response");
  if (response.status != 204) {
    check(json::accept(response.body), "a response body is not JSON");
  }
  for (const std::string& secret : secrets) {
    if (response.body.find(secret) != std::string::npos) {
      found.push_back(secret);
    }
  }
}

// Returns `escaped` (a JSON string body) with every letter and digit outside
// an escape sequence moved to the next one, 'z' to 'a' and '9' to '0'. The
// result has the same length and character classes, so a request carrying it
// takes the same branch in nearly every case.
std::string rotate_escaped(std::string_view escaped) {
  std::string rotated;
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    char c = escaped[i];
    if (c == '\\') {
      std::size_t length = i + 1 < escaped.size() && escaped[i + 1] == 'u' ? 6 : 2;
      rotated.append(escaped.substr(i, length));
      i += length - 1;
      continue;
    }
    if (c >= 'a' && c <= 'z') {
      c = c == 'z' ? 'a' : static_cast<char>(c + 1);
    } else if (c >= 'A' && c <= 'Z') {
      c = c == 'Z' ? 'A' : static_cast<char>(c + 1);
    } else if (c >= '0' && c <= '9') {
      c = c == '9' ? '0' : static_cast<char>(c + 1);
    }
    rotated.push_back(c);
  }
  return rotated;
}

std::string id_of(const floecat::http::Response& response) {
  json body = json::parse(response.body, nullptr, false);
  check(body.is_object() && body.contains("id") && body["id"].is_string(),
        "a created resource has no id in its response");
  return body["id"].get<std::string>();
}

void delete_created(Fixture& fixture, const std::string& path) {
  floecat::http::Response removed = fixture.send("DELETE", path, "");
  if (removed.status != 204) {
    std::fprintf(stderr, "DELETE %s returned %d: %s\n", path.c_str(), removed.status,
                 removed.body.c_str());
  }
  check(removed.status == 204, "a resource created from a request body cannot be deleted");
}

// Creates a resource from a fixed body, patches it with `body` and deletes it.
void run_update(Fixture& fixture,
                std::string_view collection,
                std::string_view base_body,
                const std::string& body,
                Route route,
                const std::vector<std::string>& secrets,
                std::vector<std::string>& found) {
  std::string base = std::string(kAccountPath) + "/" + std::string(collection);
  floecat::http::Response created = fixture.send("POST", base, std::string(base_body));
  check_setup(created, 201, "creating the resource to patch");
  std::string path = base + "/" + encode_segment(id_of(created));
  floecat::http::Response patched = fixture.send("PATCH", path, body);
  check_response(patched, route, secrets, found);
  delete_created(fixture, path);
}

// Sends `body` to `route`, checks the response, and deletes whatever the
// request created. Adds to `found` the `secrets` that came back.
void run_route(Fixture& state,
               Route route,
               const std::string& body,
               const std::vector<std::string>& secrets,
               std::vector<std::string>& found) {
  std::string account_path(kAccountPath);

  switch (route) {
    case Route::kAccount: {
      floecat::http::Response response = state.send("POST", "/api/v1/accounts", body);
      check_response(response, route, secrets, found);
      if (response.status == 201) {
        delete_created(state, "/api/v1/accounts/" + encode_segment(id_of(response)));
      }
      break;
    }
    case Route::kConnector:
    case Route::kAuthority: {
      std::string base =
          account_path + (route == Route::kConnector ? "/connectors" : "/storage-authorities");
      floecat::http::Response response = state.send("POST", base, body);
      check_response(response, route, secrets, found);
      if (response.status == 201) {
        delete_created(state, base + "/" + encode_segment(id_of(response)));
      }
      break;
    }
    case Route::kConnectorUpdate:
      run_update(state, "connectors", kPatchConnector, body, route, secrets, found);
      break;
    case Route::kAuthorityUpdate:
      run_update(state, "storage-authorities", kPatchAuthority, body, route, secrets, found);
      break;
    case Route::kResolve: {
      floecat::http::Response response =
          state.send("POST", account_path + "/storage-authorities:resolve", body);
      check_response(response, route, secrets, found);
      break;
    }
    case Route::kNamespace: {
      floecat::http::Response response = state.send("POST", std::string(kIcebergPath), body);
      check_response(response, route, secrets, found);
      if (response.status == 200) {
        json created = json::parse(response.body, nullptr, false);
        check(created.is_object() && created["namespace"].is_array(),
              "a created namespace has no namespace array in its response");
        floecat::catalog::NamespaceName name = created["namespace"].get<std::vector<std::string>>();
        check(state.catalog->namespaces().remove(kAccount, name).ok(),
              "a namespace created from a request body cannot be dropped");
      }
      break;
    }
    case Route::kRegister: {
      floecat::http::Response response =
          state.send("POST", std::string(kIcebergPath) + "/fuzz-ns/register", body);
      check_response(response, route, secrets, found);
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t newline = input.find('\n');
  std::string_view selector = input.substr(0, newline);
  std::string body(newline == std::string_view::npos ? std::string_view()
                                                     : input.substr(newline + 1));
  Route route = pick_route(selector);
  Fixture& state = fixture();

  std::vector<std::string> found;
  run_route(state, route, body, secrets_of(body), found);
  if (found.empty()) {
    return 0;
  }

  // A value in the response may be a coincidence, as when the fuzzer builds
  // a secret out of an error message's text. Send the request again with
  // each such value rotated: a real leak echoes the rotated value too.
  std::string rotated_body = body;
  std::vector<std::string> rotated;
  for (const std::string& secret : found) {
    std::string replacement = rotate_escaped(secret);
    std::size_t at = rotated_body.find(secret);
    if (at != std::string::npos) {
      rotated_body.replace(at, secret.size(), replacement);
    }
    rotated.push_back(std::move(replacement));
  }
  std::vector<std::string> found_again;
  run_route(state, route, rotated_body, rotated, found_again);
  check(found_again.empty(), "a sensitive credential value came back in a response");
  return 0;
}
