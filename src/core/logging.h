#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/secret_bytes.h"
#include "core/status.h"

namespace floecat {

struct LogOptions {
  // trace, debug, info, warn, error, critical or off.
  std::string level = "info";
  // Also write to this file when not empty.
  std::string file;
};

// Sets up the process logger "floecat": stderr (plus an optional file),
// every line passed through redact_log_text first. Safe to call again.
Status init_logging(const LogOptions& options);

// Adds a sink behind the same redaction (tests use this to capture lines).
void add_log_sink(std::shared_ptr<spdlog::sinks::sink> sink);

// The process logger; init_logging need not have run.
spdlog::logger& logger();

// Defence in depth for log lines: replaces the value after any key that
// looks secret (secret, token, password, credential, authorization,
// signature, private, session, access key, api key) in "key=value",
// "key: value" and JSON forms, and the credential after "Bearer", with
// "****". Code must still never pass a secret to the logger; this catches
// mistakes, it does not license them.
std::string redact_log_text(std::string_view text);

}  // namespace floecat

template <>
struct fmt::formatter<floecat::SecretBytes> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(const floecat::SecretBytes&, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(floecat::kMask, ctx);
  }
};

template <>
struct fmt::formatter<floecat::Status> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(const floecat::Status& status, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(status.to_string(), ctx);
  }
};
