#pragma once

#include <chrono>
#include <functional>
#include <string_view>

#include "core/clock.h"

namespace floecat::aws {

// Waits; injectable so that tests advance a ManualClock instead of sleeping.
class Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual void sleep_for(std::chrono::milliseconds duration) = 0;
};

class RealSleeper final : public Sleeper {
 public:
  void sleep_for(std::chrono::milliseconds duration) override;
  static RealSleeper& instance();
};

struct RetryOptions {
  // Attempts in total, the first one included.
  int max_attempts = 5;
  std::chrono::milliseconds base_delay{100};
  std::chrono::milliseconds max_delay{5000};
  // Time budget of one call, all attempts and waits included.
  std::chrono::milliseconds deadline{30000};
  // Upper bound of a single attempt (also capped by the time left).
  std::chrono::milliseconds attempt_timeout{10000};
};

// True for the error codes AWS services use for throttling, which arrive
// with HTTP 400 as well as 429 (the list botocore's standard retry mode uses).
bool is_throttling_code(std::string_view code);

// True for error codes that name a transient server-side fault.
bool is_transient_code(std::string_view code);

// Capped exponential backoff with full jitter: the wait before retry n
// (n = 1 for the first retry) is uniform in [0, min(max_delay,
// base_delay * 2^(n-1))].
class Backoff {
 public:
  // `random_unit` returns a number in [0, 1); the default draws from a
  // per-thread Mersenne Twister.
  explicit Backoff(RetryOptions options, std::function<double()> random_unit = {});

  std::chrono::milliseconds delay_before_retry(int retry) const;
  std::chrono::milliseconds ceiling_before_retry(int retry) const;

 private:
  RetryOptions options_;
  std::function<double()> random_unit_;
};

}  // namespace floecat::aws
