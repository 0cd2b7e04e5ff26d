#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace floecat {

// Wall-clock time, injectable so that tests can move it.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;

  std::int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(now().time_since_epoch()).count();
  }
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }

  // A process-wide instance.
  static const SystemClock& instance();
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::chrono::system_clock::time_point start) : ms_(to_ms(start)) {}

  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms_.load()));
  }

  void advance(std::chrono::milliseconds delta) { ms_ += delta.count(); }

 private:
  static std::int64_t to_ms(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  }

  std::atomic<std::int64_t> ms_;
};

// Formats a time as RFC 3339 in UTC with millisecond precision,
// e.g. "2026-12-04T15:52:55.123Z".
std::string format_rfc3339(std::chrono::system_clock::time_point time);

}  // namespace floecat
