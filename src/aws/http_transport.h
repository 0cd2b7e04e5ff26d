#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aws/http_types.h"
#include "core/result.h"

namespace floecat::aws {

// Sends one HTTP request and returns the response, whatever its status.
// Implementations are thread-safe.
// Errors: kUnavailable when the connection fails or breaks (refused, reset,
// closed early), kDeadlineExceeded when `timeout` passes first,
// kFailedPrecondition for a TLS verification failure, kInvalidArgument for
// a malformed URL.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual Result<HttpResponse> send(const HttpRequest& request,
                                    std::chrono::milliseconds timeout) = 0;
};

struct CurlTransportOptions {
  std::chrono::milliseconds connect_timeout{3000};
  // Proxy URL. Empty means no proxy, even when http_proxy or https_proxy is set.
  std::string proxy;
  // CA bundle file; empty means the system default. Verification is always on.
  std::string ca_file;
  // Idle handles kept for reuse (each keeps its connections open).
  std::size_t max_idle_handles = 16;
};

// libcurl transport. Redirects are not followed, only http and https are
// allowed, and each request borrows an easy handle from a pool so that
// connections to the same host are reused.
class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(CurlTransportOptions options = {});
  ~CurlTransport() override;

  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Result<HttpResponse> send(const HttpRequest& request, std::chrono::milliseconds timeout) override;

 private:
  void* acquire_handle();
  void release_handle(void* handle);

  CurlTransportOptions options_;
  std::mutex mutex_;
  std::vector<void*> idle_handles_;
};

}  // namespace floecat::aws
