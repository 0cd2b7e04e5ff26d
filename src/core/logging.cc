#include "core/logging.h"

#include <mutex>
#include <regex>
#include <vector>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace floecat {
namespace {

// Forwards each message, with secret-looking values replaced, to the inner
// sinks.
// Lines look like "2026-12-04T15:52:55.123Z info message", in UTC.
constexpr const char* kLogPattern = "%Y-%m-%dT%H:%M:%S.%eZ %l %v";

class RedactingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // The inner sink formats the lines, so it gets the pattern here.
  void add(std::shared_ptr<spdlog::sinks::sink> sink) {
    std::lock_guard<std::mutex> lock(mutex_);
    sink->set_formatter(
        std::make_unique<spdlog::pattern_formatter>(kLogPattern, spdlog::pattern_time_type::utc));
    sinks_.push_back(std::move(sink));
  }

  void reset() {
    std::lock_guard<std::mutex> lock(mutex_);
    sinks_.clear();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string clean = redact_log_text(std::string_view(msg.payload.data(), msg.payload.size()));
    spdlog::details::log_msg copy(msg.time, msg.source, msg.logger_name, msg.level, clean);
    for (auto& sink : sinks_) {
      if (sink->should_log(copy.level)) {
        sink->log(copy);
      }
    }
  }

  void flush_() override {
    for (auto& sink : sinks_) {
      sink->flush();
    }
  }

 private:
  std::vector<std::shared_ptr<spdlog::sinks::sink>> sinks_;
};

struct LoggerState {
  std::shared_ptr<RedactingSink> redacting = std::make_shared<RedactingSink>();
  std::shared_ptr<spdlog::logger> logger;

  LoggerState() {
    redacting->add(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    logger = std::make_shared<spdlog::logger>("floecat", redacting);
    logger->set_level(spdlog::level::info);
    logger->flush_on(spdlog::level::info);
  }
};

LoggerState& state() {
  static LoggerState instance;
  return instance;
}

}  // namespace

Status init_logging(const LogOptions& options) {
  auto level = spdlog::level::from_str(options.level);
  if (level == spdlog::level::off && options.level != "off") {
    return invalid_argument(
        "log level must be one of trace, debug, info, warn, error, critical, off");
  }
  LoggerState& s = state();
  s.redacting->reset();
  s.redacting->add(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (!options.file.empty()) {
    try {
      s.redacting->add(std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file));
    } catch (const spdlog::spdlog_ex& e) {
      return invalid_argument("log file " + options.file + " cannot be opened: " + e.what());
    }
  }
  s.logger->set_level(level);
  return Status();
}

void add_log_sink(std::shared_ptr<spdlog::sinks::sink> sink) {
  state().redacting->add(std::move(sink));
}

spdlog::logger& logger() {
  return *state().logger;
}

std::string redact_log_text(std::string_view text) {
  static const std::regex key_value(
      R"re(((?:[A-Za-z0-9_.\-]*)(?:secret|token|password|passwd|credential|authorization|signature|private|session|access[_\-.]?key|api[_\-.]?key)(?:[A-Za-z0-9_.\-]*)"?\s*[:=]\s*"?)([^"\s,;}&]+))re",
      std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
  static const std::regex bearer(R"re((bearer\s+)([^\s",;}]+))re",
                                 std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
  std::string out = std::regex_replace(std::string(text), key_value, "$1****");
  return std::regex_replace(out, bearer, "$1****");
}

}  // namespace floecat
