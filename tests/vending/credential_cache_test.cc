#include "vending/credential_cache.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace floecat::vending {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const auto kStart = std::chrono::system_clock::time_point(std::chrono::hours(500000));

// The loaders below stand for STS: a manual clock needs credentials whose
// expiry follows that clock, which no real STS (moto included) produces.
aws::Credentials credentials_expiring_at(std::chrono::system_clock::time_point expiration,
                                         std::string key_id) {
  aws::Credentials credentials;
  credentials.access_key_id = std::move(key_id);
  credentials.secret_access_key = SecretBytes("secret");
  credentials.session_token = SecretBytes("token");
  credentials.expiration = expiration;
  return credentials;
}

TEST(CredentialCache, HitsWithinHalfTheLifetime) {
  ManualClock clock(kStart);
  CredentialCache cache(clock, seconds(300));
  int loads = 0;
  auto loader = [&] {
    ++loads;
    return Result<aws::Credentials>(
        credentials_expiring_at(clock.now() + minutes(60), "AKIA" + std::to_string(loads)));
  };
  ASSERT_TRUE(cache.get_or_load("k", loader).ok());
  clock.advance(minutes(29));
  Result<aws::Credentials> warm = cache.get_or_load("k", loader);
  ASSERT_TRUE(warm.ok());
  EXPECT_EQ(warm->access_key_id, "AKIA1");
  EXPECT_EQ(loads, 1);
  clock.advance(minutes(1));
  Result<aws::Credentials> renewed = cache.get_or_load("k", loader);
  ASSERT_TRUE(renewed.ok());
  EXPECT_EQ(renewed->access_key_id, "AKIA2");
  EXPECT_EQ(loads, 2);
}

TEST(CredentialCache, NeverServesBelowMinimumValidity) {
  ManualClock clock(kStart);
  // The half-life rule alone would serve this entry for 10 minutes; the
  // minimum validity of 15 minutes must stop it after 5.
  CredentialCache cache(clock, minutes(15));
  int loads = 0;
  auto loader = [&] {
    ++loads;
    return Result<aws::Credentials>(credentials_expiring_at(clock.now() + minutes(20), "AKIA"));
  };
  ASSERT_TRUE(cache.get_or_load("k", loader).ok());
  clock.advance(minutes(5) - seconds(1));
  ASSERT_TRUE(cache.get_or_load("k", loader).ok());
  EXPECT_EQ(loads, 1);
  clock.advance(seconds(2));
  Result<aws::Credentials> served = cache.get_or_load("k", loader);
  ASSERT_TRUE(served.ok());
  EXPECT_EQ(loads, 2);
  EXPECT_GE(*served->expiration - clock.now(), minutes(15));
}

TEST(CredentialCache, ErrorsAreNotCached) {
  ManualClock clock(kStart);
  CredentialCache cache(clock, seconds(300));
  int loads = 0;
  auto failing = [&] {
    ++loads;
    return Result<aws::Credentials>(unavailable("sts down"));
  };
  EXPECT_FALSE(cache.get_or_load("k", failing).ok());
  EXPECT_FALSE(cache.get_or_load("k", failing).ok());
  EXPECT_EQ(loads, 2);
  EXPECT_EQ(cache.stats().errors, 2u);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(CredentialCache, KeysAreSeparate) {
  ManualClock clock(kStart);
  CredentialCache cache(clock, seconds(300));
  int loads = 0;
  auto loader = [&] {
    ++loads;
    return Result<aws::Credentials>(credentials_expiring_at(clock.now() + minutes(60), "A"));
  };
  ASSERT_TRUE(cache.get_or_load("a", loader).ok());
  ASSERT_TRUE(cache.get_or_load("b", loader).ok());
  ASSERT_TRUE(cache.get_or_load("a", loader).ok());
  EXPECT_EQ(loads, 2);
}

TEST(CredentialCache, CredentialsWithoutExpiryAreNotStored) {
  ManualClock clock(kStart);
  CredentialCache cache(clock, seconds(300));
  int loads = 0;
  auto loader = [&] {
    ++loads;
    aws::Credentials credentials = credentials_expiring_at(clock.now(), "A");
    credentials.expiration.reset();
    return Result<aws::Credentials>(std::move(credentials));
  };
  ASSERT_TRUE(cache.get_or_load("k", loader).ok());
  ASSERT_TRUE(cache.get_or_load("k", loader).ok());
  EXPECT_EQ(loads, 2);
}

TEST(CredentialCache, ConcurrentMissesShareOneLoad) {
  ManualClock clock(kStart);
  CredentialCache cache(clock, seconds(300));
  std::atomic<int> loads{0};
  std::atomic<bool> release{false};
  auto loader = [&] {
    ++loads;
    // Holds the load open until every other caller has queued behind it.
    while (!release.load()) {
      std::this_thread::yield();
    }
    return Result<aws::Credentials>(credentials_expiring_at(clock.now() + minutes(60), "A"));
  };
  constexpr int kCallers = 64;
  std::atomic<int> succeeded{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kCallers; ++i) {
    threads.emplace_back([&] {
      if (cache.get_or_load("k", loader).ok()) {
        ++succeeded;
      }
    });
  }
  while (cache.stats().joined + cache.stats().loads < static_cast<std::uint64_t>(kCallers)) {
    std::this_thread::yield();
  }
  release = true;
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(loads.load(), 1);
  EXPECT_EQ(succeeded.load(), kCallers);
  EXPECT_EQ(cache.stats().joined, static_cast<std::uint64_t>(kCallers - 1));
}

TEST(CredentialCache, WaitersShareAFailure) {
  ManualClock clock(kStart);
  CredentialCache cache(clock, seconds(300));
  std::atomic<bool> release{false};
  std::atomic<int> loads{0};
  auto loader = [&] {
    ++loads;
    while (!release.load()) {
      std::this_thread::yield();
    }
    return Result<aws::Credentials>(permission_denied("AccessDenied"));
  };
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      Result<aws::Credentials> result = cache.get_or_load("k", loader);
      if (!result.ok() && result.status().code() == StatusCode::kPermissionDenied) {
        ++failed;
      }
    });
  }
  while (cache.stats().joined + cache.stats().loads < 8u) {
    std::this_thread::yield();
  }
  release = true;
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(loads.load(), 1);
  EXPECT_EQ(failed.load(), 8);
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace floecat::vending
