#include "vending/credential_cache.h"

#include "core/logging.h"

namespace floecat::vending {

CredentialCache::CredentialCache(const Clock& clock,
                                 std::chrono::seconds min_validity,
                                 std::size_t max_entries)
    : clock_(clock), min_validity_(min_validity), max_entries_(max_entries) {}

bool CredentialCache::servable(const Entry& entry,
                               std::chrono::system_clock::time_point now) const {
  return now < entry.serve_until && entry.credentials.expiration.has_value() &&
         *entry.credentials.expiration - now >= min_validity_;
}

void CredentialCache::evict_stale(std::chrono::system_clock::time_point now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (servable(it->second, now)) {
      ++it;
    } else {
      it = entries_.erase(it);
    }
  }
  // Still full of live entries: drop everything rather than grow without
  // bound. The next callers load again.
  if (entries_.size() >= max_entries_) {
    logger().warn("vended credential cache is full with {} live entries; clearing it",
                  entries_.size());
    entries_.clear();
  }
}

Result<aws::Credentials> CredentialCache::get_or_load(const std::string& key,
                                                      const Loader& loader) {
  std::shared_ptr<Flight> flight;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    auto now = clock_.now();
    if (auto it = entries_.find(key); it != entries_.end()) {
      if (servable(it->second, now)) {
        ++stats_.hits;
        return it->second.credentials.clone();
      }
      entries_.erase(it);
    }
    if (auto it = flights_.find(key); it != flights_.end()) {
      // Another caller is loading this key: wait for its result.
      std::shared_ptr<Flight> running = it->second;
      ++stats_.joined;
      flight_done_.wait(lock, [&running] { return running->done; });
      if (!running->result->ok()) {
        return running->result->status();
      }
      return running->result->value().clone();
    }
    flight = std::make_shared<Flight>();
    flights_[key] = flight;
    ++stats_.loads;
  }

  Result<aws::Credentials> loaded = loader();

  std::lock_guard<std::mutex> lock(mutex_);
  flights_.erase(key);
  if (loaded.ok()) {
    auto now = clock_.now();
    const aws::Credentials& credentials = *loaded;
    if (credentials.expiration.has_value() && *credentials.expiration > now) {
      // Half of the remaining lifetime, so a served credential always has
      // at least as long left as it has been cached.
      auto serve_until = now + (*credentials.expiration - now) / 2;
      if (entries_.size() >= max_entries_) {
        evict_stale(now);
      }
      entries_[key] = Entry{credentials.clone(), serve_until};
    }
    flight->result.emplace(credentials.clone());
  } else {
    ++stats_.errors;
    flight->result.emplace(loaded.status());
  }
  flight->done = true;
  flight_done_.notify_all();
  return loaded;
}

CredentialCacheStats CredentialCache::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

std::size_t CredentialCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

}  // namespace floecat::vending
