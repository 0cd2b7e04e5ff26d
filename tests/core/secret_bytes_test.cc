#include "core/secret_bytes.h"

#include <sstream>

#include <gtest/gtest.h>

#include "core/logging.h"

namespace floecat {
namespace {

TEST(SecretBytes, PrintsMask) {
  SecretBytes secret("hunter2-canary");
  std::ostringstream out;
  out << secret;
  EXPECT_EQ(out.str(), "****");
  EXPECT_EQ(fmt::format("{}", secret), "****");
}

TEST(SecretBytes, MoveEmptiesSource) {
  SecretBytes a("payload");
  SecretBytes b(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT: checking the moved-from state on purpose
  EXPECT_EQ(b.expose(), "payload");
}

TEST(SecretBytes, EqualsComparesBytes) {
  EXPECT_TRUE(SecretBytes("abc").equals(SecretBytes("abc")));
  EXPECT_FALSE(SecretBytes("abc").equals(SecretBytes("abd")));
  EXPECT_FALSE(SecretBytes("abc").equals(SecretBytes("abcd")));
}

TEST(SecretBytes, CloneIsIndependent) {
  SecretBytes a("one");
  SecretBytes b = a.clone();
  a.clear();
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(b.expose(), "one");
}

}  // namespace
}  // namespace floecat
