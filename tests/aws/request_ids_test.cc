#include "aws/request_ids.h"

#include <thread>

#include <gtest/gtest.h>

namespace floecat::aws {
namespace {

TEST(RequestIdScope, CollectsIdsInCallOrder) {
  RequestIdScope scope;
  RequestIdScope::record("first-id");
  RequestIdScope::record("");
  RequestIdScope::record("second-id");
  EXPECT_EQ(scope.joined(), "first-id,second-id");
}

TEST(RequestIdScope, WithoutScopeRecordsNothing) {
  RequestIdScope::record("lost-id");
  RequestIdScope scope;
  EXPECT_EQ(scope.joined(), "");
}

TEST(RequestIdScope, InnerScopeCollectsAlone) {
  RequestIdScope outer;
  RequestIdScope::record("outer-before");
  {
    RequestIdScope inner;
    RequestIdScope::record("inner-id");
    EXPECT_EQ(inner.joined(), "inner-id");
  }
  RequestIdScope::record("outer-after");
  EXPECT_EQ(outer.joined(), "outer-before,outer-after");
}

TEST(RequestIdScope, OtherThreadsDoNotReachTheScope) {
  RequestIdScope scope;
  std::thread other([] { RequestIdScope::record("other-thread-id"); });
  other.join();
  EXPECT_EQ(scope.joined(), "");
}

}  // namespace
}  // namespace floecat::aws
