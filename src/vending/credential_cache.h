#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "aws/credentials.h"
#include "core/clock.h"
#include "core/result.h"

namespace floecat::vending {

// Config key of the minimum validity a cached credential must still have
// when it is served, in seconds.
inline constexpr std::string_view kMinValidityKey = "floecat.vending.min-validity-seconds";
inline constexpr std::int64_t kDefaultMinValiditySeconds = 300;

struct CredentialCacheStats {
  std::uint64_t hits = 0;
  // Calls of the loader (one per cold or expired key, however many callers
  // waited for it).
  std::uint64_t loads = 0;
  // Callers that waited for a load another caller had started.
  std::uint64_t joined = 0;
  std::uint64_t errors = 0;
};

// Temporary credentials by request key. An entry is served while both hold:
//   - less than half of the lifetime it had when it was loaded has passed;
//   - at least `min_validity` is left before the credentials expire.
// Concurrent misses of one key share one loader call (single flight).
// A failed load is returned to every waiting caller and is not stored.
// Credentials without an expiry are never stored. Thread-safe.
class CredentialCache {
 public:
  using Loader = std::function<Result<aws::Credentials>()>;

  CredentialCache(const Clock& clock,
                  std::chrono::seconds min_validity,
                  std::size_t max_entries = 10000);

  // Returns cached credentials for `key` or calls `loader` once for all
  // concurrent callers of the same key.
  Result<aws::Credentials> get_or_load(const std::string& key, const Loader& loader);

  CredentialCacheStats stats() const;
  std::size_t size() const;

  std::chrono::seconds min_validity() const { return min_validity_; }

 private:
  struct Flight {
    bool done = false;
    std::optional<Result<aws::Credentials>> result;
  };

  struct Entry {
    aws::Credentials credentials;
    std::chrono::system_clock::time_point serve_until;
  };

  bool servable(const Entry& entry, std::chrono::system_clock::time_point now) const;
  void evict_stale(std::chrono::system_clock::time_point now);

  const Clock& clock_;
  const std::chrono::seconds min_validity_;
  const std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::condition_variable flight_done_;
  std::unordered_map<std::string, Entry> entries_;
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;
  CredentialCacheStats stats_;
};

}  // namespace floecat::vending
