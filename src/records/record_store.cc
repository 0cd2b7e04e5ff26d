#include "records/record_store.h"

#include <charconv>

#include <fmt/format.h>

namespace floecat::records {

std::string etag_for(std::int64_t version) {
  return fmt::format("\"{}\"", version);
}

Result<std::int64_t> version_from_etag(std::string_view etag) {
  const auto invalid = [&]() {
    return invalid_argument(
        "If-Match must be an etag returned by this server, a positive integer in double quotes "
        "such as \"3\"");
  };
  if (etag == "*") {
    return invalid_argument(
        "If-Match: \"*\" is not supported; send the etag of the version you read");
  }
  if (etag.size() < 3 || etag.front() != '"' || etag.back() != '"') {
    return invalid();
  }
  const std::string_view digits = etag.substr(1, etag.size() - 2);
  if (digits.front() < '1' || digits.front() > '9') {
    return invalid();
  }
  std::int64_t version = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), version);
  if (error != std::errc() || end != digits.data() + digits.size()) {
    return invalid();
  }
  return version;
}

}  // namespace floecat::records
