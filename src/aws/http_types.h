#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/secret_bytes.h"

namespace floecat::aws {

// Query parameters in request order, percent-decoded. Repeated keys are
// allowed and kept.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Header fields in request order, names as given.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

// An outgoing request to an AWS endpoint. Bodies may carry secret material,
// so they live in wiping strings.
struct HttpRequest {
  std::string method = "POST";
  // Scheme and authority, e.g. "https://sts.us-east-1.amazonaws.com".
  std::string origin;
  // The path exactly as sent on the wire (percent-encoded), starting with '/'.
  std::string path = "/";
  QueryParams query;
  HeaderList headers;
  WipingString body;

  // Returns the value of the first header named `name` (case-insensitive).
  const std::string* find_header(std::string_view name) const;
  void set_header(std::string name, std::string value);

  // Returns origin + path + "?" + the encoded query (in request order).
  std::string url() const;
};

struct HttpResponse {
  int status = 0;
  // Names are lower-cased by the transport.
  HeaderList headers;
  WipingString body;

  const std::string* find_header(std::string_view name) const;
};

// Percent-encodes everything except the RFC 3986 unreserved characters
// A-Z a-z 0-9 - . _ ~, using upper-case hex; '/' is kept when `keep_slash`.
std::string uri_encode(std::string_view text, bool keep_slash);

// Decodes %XX sequences; '+' stays '+'. An invalid escape is kept as is.
std::string uri_decode(std::string_view text);

bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view text);

}  // namespace floecat::aws
