#include "cli/api_client.h"

#include <iostream>

#include <fmt/format.h>

#include "http/client.h"

namespace floecat::cli {

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
  http::Client client;
  FLOECAT_ASSIGN_OR_RETURN(auto response, client.request(method, url + path, headers, text));
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

}  // namespace floecat::cli
