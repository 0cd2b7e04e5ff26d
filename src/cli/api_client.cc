#include "cli/api_client.h"

#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "aws/http_transport.h"
#include "http/client.h"

namespace floecat::cli {

namespace {

// Sends the request through libcurl, which verifies the server certificate
// and its host name. No proxy is used.
Result<http::ClientResponse> send_tls(const ApiOptions& options,
                                      std::string_view method,
                                      const std::string& origin,
                                      const std::string& path,
                                      const http::Headers& headers,
                                      const std::string& body) {
  aws::CurlTransportOptions transport_options;
  transport_options.ca_file = options.ca_file;
  if (transport_options.ca_file.empty()) {
    if (const char* env = std::getenv("FLOECAT_CA_FILE"); env != nullptr) {
      transport_options.ca_file = env;
    }
  }
  aws::CurlTransport transport(transport_options);
  aws::HttpRequest request;
  request.method = std::string(method);
  request.origin = origin;
  request.path = path;
  for (const auto& [name, value] : headers) {
    request.set_header(name, value);
  }
  request.body.assign(body.begin(), body.end());
  FLOECAT_ASSIGN_OR_RETURN(aws::HttpResponse sent,
                           transport.send(request, std::chrono::seconds(30)));
  http::ClientResponse response;
  response.status = sent.status;
  for (const auto& [name, value] : sent.headers) {
    response.headers[name] = value;
  }
  response.body.assign(sent.body.begin(), sent.body.end());
  return response;
}

}  // namespace

Result<ApiResponse> call_api(const ApiOptions& options,
                             std::string_view method,
                             const std::string& path,
                             const std::optional<nlohmann::json>& body,
                             std::string_view if_match) {
  http::Headers headers;
  headers["Accept"] = "application/json";
  if (!options.token.empty()) {
    headers["Authorization"] = "Bearer " + options.token;
  }
  if (!if_match.empty()) {
    headers["If-Match"] = std::string(if_match);
  }
  std::string text;
  if (body.has_value()) {
    headers["Content-Type"] = "application/json";
    text = body->dump();
  }
  std::string url = options.server;
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  http::ClientResponse response;
  if (url.starts_with("https://")) {
    FLOECAT_ASSIGN_OR_RETURN(response, send_tls(options, method, url, path, headers, text));
  } else {
    http::Client client;
    FLOECAT_ASSIGN_OR_RETURN(response, client.request(method, url + path, headers, text));
  }
  ApiResponse result;
  result.status = response.status;
  if (auto it = response.headers.find("ETag"); it != response.headers.end()) {
    result.etag = it->second;
  }
  if (!response.body.empty()) {
    result.body = nlohmann::json::parse(response.body, nullptr, false);
    if (result.body.is_discarded()) {
      return unavailable(fmt::format("{} answered {} with a body that is not JSON", options.server,
                                     response.status));
    }
  }
  return result;
}

std::string percent_encode_segment(std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : segment) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
  return out;
}

int report_api_error(const ApiResponse& response) {
  std::string message = "request failed";
  if (response.body.is_object() && response.body.contains("error") &&
      response.body["error"].is_object()) {
    message = response.body["error"].value("message", message);
  }
  std::cerr << fmt::format("floecat: {} (HTTP {})\n", message, response.status);
  return response.status == 404 ? 4 : 1;
}

void add_api_options(CLI::App& command,
                     ApiOptions& api,
                     std::string& output,
                     const std::string& token_help) {
  command.add_option("--server", api.server, "floecat server URL")
      ->envname("FLOECAT_SERVER")
      ->capture_default_str();
  command.add_option("--token", api.token, token_help)->envname("FLOECAT_TOKEN");
  command.add_option("--ca-file", api.ca_file, "PEM CA bundle to verify an https:// server")
      ->envname("FLOECAT_CA_FILE");
  command.add_option("--output", output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
}

}  // namespace floecat::cli
