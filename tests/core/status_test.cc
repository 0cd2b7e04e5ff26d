#include "core/status.h"

#include <gtest/gtest.h>

#include "core/result.h"

namespace floecat {
namespace {

Result<int> half(int value) {
  if (value % 2 != 0) {
    return invalid_argument("value must be even");
  }
  return value / 2;
}

Result<int> quarter(int value) {
  FLOECAT_ASSIGN_OR_RETURN(int h, half(value));
  return half(h);
}

TEST(Status, OkByDefault) {
  Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.to_string(), "ok");
}

TEST(Status, CodeNameAndContext) {
  Status status = not_found("connector c1 not found").with_context("get");
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.to_string(), "not_found: get: connector c1 not found");
}

TEST(Result, PropagatesErrors) {
  EXPECT_EQ(*quarter(8), 2);
  Result<int> odd = quarter(6);
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace floecat
