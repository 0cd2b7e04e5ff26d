#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace floecat {

// Canonical error codes. Each maps to one HTTP status in the http layer.
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // 400: the caller's input breaks a rule
  kUnauthenticated,     // 401: missing or invalid token
  kPermissionDenied,    // 403: valid caller, action not allowed
  kNotFound,            // 404: absent, or belongs to another account
  kAlreadyExists,       // 409: a unique id or display name is taken
  kFailedPrecondition,  // 409: etag mismatch or a state conflict
  kTooLarge,            // 413: body or payload over its limit
  kUnavailable,         // 503: a backend cannot be reached; safe to retry
  kDeadlineExceeded,    // 503: a backend did not answer in time
  kInternal,            // 500: a bug or corrupted state
};

// Returns the snake_case name used in JSON error bodies, e.g. "invalid_argument".
std::string_view status_code_name(StatusCode code);

// The outcome of an operation: ok, or a code with a message for people.
// Messages name the resource or field and the rule; they never contain
// secret values.
class [[nodiscard]] Status {
 public:
  Status() = default;

  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }

  StatusCode code() const { return code_; }

  const std::string& message() const { return message_; }

  // Returns "code: message", or "ok".
  std::string to_string() const;

  // Returns a copy whose message is prefixed with `context` and ": ".
  Status with_context(std::string_view context) const;

  void ignore_error() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

std::ostream& operator<<(std::ostream& out, const Status& status);

Status invalid_argument(std::string message);
Status unauthenticated(std::string message);
Status permission_denied(std::string message);
Status not_found(std::string message);
Status already_exists(std::string message);
Status failed_precondition(std::string message);
Status too_large(std::string message);
Status unavailable(std::string message);
Status deadline_exceeded(std::string message);
Status internal_error(std::string message);

}  // namespace floecat

// Returns from the enclosing function when `expr` yields a non-ok Status.
#define FLOECAT_RETURN_IF_ERROR(expr)           \
  do {                                          \
    ::floecat::Status floecat_status_ = (expr); \
    if (!floecat_status_.ok()) {                \
      return floecat_status_;                   \
    }                                           \
  } while (false)
