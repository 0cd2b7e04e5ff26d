#include "aws/retry.h"

#include <algorithm>
#include <array>
#include <random>
#include <thread>

namespace floecat::aws {

void RealSleeper::sleep_for(std::chrono::milliseconds duration) {
  std::this_thread::sleep_for(duration);
}

RealSleeper& RealSleeper::instance() {
  static RealSleeper sleeper;
  return sleeper;
}

bool is_throttling_code(std::string_view code) {
  static constexpr std::array<std::string_view, 11> kThrottlingCodes = {
      "Throttling",
      "ThrottlingException",
      "ThrottledException",
      "RequestThrottledException",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "TransactionInProgressException",
      "RequestLimitExceeded",
      "BandwidthLimitExceeded",
      "LimitExceededException",
      "RequestThrottled",
  };
  return std::find(kThrottlingCodes.begin(), kThrottlingCodes.end(), code) !=
         kThrottlingCodes.end();
}

bool is_transient_code(std::string_view code) {
  return code == "RequestTimeout" || code == "RequestTimeoutException" ||
         code == "PriorRequestNotComplete" || code == "InternalServiceError" ||
         code == "InternalFailure" || code == "ServiceUnavailable";
}

Backoff::Backoff(RetryOptions options, std::function<double()> random_unit)
    : options_(options), random_unit_(std::move(random_unit)) {
  if (!random_unit_) {
    random_unit_ = [] {
      thread_local std::mt19937_64 engine{std::random_device{}()};
      return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
    };
  }
}

std::chrono::milliseconds Backoff::ceiling_before_retry(int retry) const {
  int exponent = std::clamp(retry - 1, 0, 30);
  long long ceiling = options_.base_delay.count() << exponent;
  return std::chrono::milliseconds(std::min<long long>(ceiling, options_.max_delay.count()));
}

std::chrono::milliseconds Backoff::delay_before_retry(int retry) const {
  double fraction = std::clamp(random_unit_(), 0.0, 1.0);
  return std::chrono::milliseconds(
      static_cast<long long>(fraction * static_cast<double>(ceiling_before_retry(retry).count())));
}

}  // namespace floecat::aws
