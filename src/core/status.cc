#include "core/status.h"

namespace floecat {

std::string_view status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "invalid_argument";
    case StatusCode::kUnauthenticated:
      return "unauthenticated";
    case StatusCode::kPermissionDenied:
      return "permission_denied";
    case StatusCode::kNotFound:
      return "not_found";
    case StatusCode::kAlreadyExists:
      return "already_exists";
    case StatusCode::kFailedPrecondition:
      return "failed_precondition";
    case StatusCode::kTooLarge:
      return "too_large";
    case StatusCode::kUnavailable:
      return "unavailable";
    case StatusCode::kDeadlineExceeded:
      return "deadline_exceeded";
    case StatusCode::kInternal:
      return "internal";
  }
  return "internal";
}

std::string Status::to_string() const {
  if (ok()) {
    return "ok";
  }
  std::string text(status_code_name(code_));
  text += ": ";
  text += message_;
  return text;
}

Status Status::with_context(std::string_view context) const {
  if (ok()) {
    return *this;
  }
  std::string message(context);
  message += ": ";
  message += message_;
  return Status(code_, std::move(message));
}

std::ostream& operator<<(std::ostream& out, const Status& status) {
  return out << status.to_string();
}

Status invalid_argument(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message));
}

Status unauthenticated(std::string message) {
  return Status(StatusCode::kUnauthenticated, std::move(message));
}

Status permission_denied(std::string message) {
  return Status(StatusCode::kPermissionDenied, std::move(message));
}

Status not_found(std::string message) {
  return Status(StatusCode::kNotFound, std::move(message));
}

Status already_exists(std::string message) {
  return Status(StatusCode::kAlreadyExists, std::move(message));
}

Status failed_precondition(std::string message) {
  return Status(StatusCode::kFailedPrecondition, std::move(message));
}

Status too_large(std::string message) {
  return Status(StatusCode::kTooLarge, std::move(message));
}

Status unavailable(std::string message) {
  return Status(StatusCode::kUnavailable, std::move(message));
}

Status deadline_exceeded(std::string message) {
  return Status(StatusCode::kDeadlineExceeded, std::move(message));
}

Status internal_error(std::string message) {
  return Status(StatusCode::kInternal, std::move(message));
}

}  // namespace floecat
