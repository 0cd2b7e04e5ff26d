#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace CLI {
class App;
}  // namespace CLI

namespace floecat::cli {

// The server address and token of the client commands.
struct ApiOptions {
  std::string server = "http://127.0.0.1:8181";
  std::string token;
  // PEM CA bundle for an https:// server with a private CA; empty means the
  // system's CA store, or FLOECAT_CA_FILE when that is set. The server's
  // certificate is always verified.
  std::string ca_file;
};

// Adds the options every client command takes: --server (FLOECAT_SERVER),
// --token (FLOECAT_TOKEN), --ca-file (FLOECAT_CA_FILE) and --output (table
// or json).
void add_api_options(CLI::App& command,
                     ApiOptions& api,
                     std::string& output,
                     const std::string& token_help = "Bearer token");

struct ApiResponse {
  int status = 0;
  std::string etag;
  nlohmann::json body;  // null when the response had no body
};

// Sends one request to the management API, over TLS (through libcurl) when
// the server URL is https://. Transport failures are errors; HTTP error
// statuses come back as responses. `if_match` adds If-Match.
Result<ApiResponse> call_api(const ApiOptions& options,
                             std::string_view method,
                             const std::string& path,
                             const std::optional<nlohmann::json>& body,
                             std::string_view if_match = {});

// Percent-encodes one path segment (RFC 3986 unreserved characters stay).
std::string percent_encode_segment(std::string_view segment);

// Prints the server's error message and returns the exit code: 4 for 404,
// 1 otherwise.
int report_api_error(const ApiResponse& response);

}  // namespace floecat::cli
