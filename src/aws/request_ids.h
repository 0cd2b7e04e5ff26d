#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace floecat::aws {

// Collects the request ids of the AWS calls made on the current thread while
// it is alive, so that code above an interface that does not return them
// (the secrets store, for the audit log) can still report them. Scopes nest:
// an inner scope collects alone and the outer one resumes after it.
// Not copyable; create and destroy it on the same thread.
class RequestIdScope {
 public:
  RequestIdScope();
  ~RequestIdScope();

  RequestIdScope(const RequestIdScope&) = delete;
  RequestIdScope& operator=(const RequestIdScope&) = delete;

  // The ids recorded so far, in call order, joined with ",", or "".
  std::string joined() const;

  // Adds `request_id` to the current thread's scope; does nothing without a
  // scope or for an empty id.
  static void record(std::string_view request_id);

 private:
  std::vector<std::string> ids_;
  RequestIdScope* outer_;
};

}  // namespace floecat::aws
