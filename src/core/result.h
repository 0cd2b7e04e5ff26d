#pragma once

#include <cassert>
#include <optional>
#include <type_traits>
#include <utility>

#include "core/status.h"

namespace floecat {

// A value of type T, or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design

  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "a Result built from a Status must carry an error");
    if (status_.ok()) {
      status_ = internal_error("Result constructed from an ok Status");
    }
  }

  bool ok() const { return value_.has_value(); }

  const Status& status() const { return status_; }

  // REQUIRES: ok().
  T& value() & { return *value_; }

  const T& value() const& { return *value_; }

  T&& value() && { return std::move(*value_); }

  T& operator*() & { return *value_; }

  const T& operator*() const& { return *value_; }

  T&& operator*() && { return std::move(*value_); }

  T* operator->() { return &*value_; }

  const T* operator->() const { return &*value_; }

  T value_or(T fallback) const& { return ok() ? *value_ : std::move(fallback); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace floecat

#define FLOECAT_CONCAT_INNER(a, b) a##b
#define FLOECAT_CONCAT(a, b) FLOECAT_CONCAT_INNER(a, b)

// Evaluates `expr` (a Result<T>); on error returns its Status, otherwise
// moves the value into `lhs`, which may be a declaration such as `auto x`.
#define FLOECAT_ASSIGN_OR_RETURN(lhs, expr) \
  FLOECAT_ASSIGN_OR_RETURN_IMPL(FLOECAT_CONCAT(floecat_result_, __LINE__), lhs, expr)

#define FLOECAT_ASSIGN_OR_RETURN_IMPL(result, lhs, expr) \
  auto result = (expr);                                  \
  if (!result.ok()) {                                    \
    return result.status();                              \
  }                                                      \
  lhs = std::move(result).value()
