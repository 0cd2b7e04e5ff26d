#include "core/clock.h"

#include <ctime>
#include <string>

#include <fmt/format.h>

namespace floecat {

const SystemClock& SystemClock::instance() {
  static const SystemClock clock;
  return clock;
}

std::string format_rfc3339(std::chrono::system_clock::time_point time) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     static_cast<int>(ms % 1000));
}

}  // namespace floecat
