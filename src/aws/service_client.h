#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/http_transport.h"
#include "aws/retry.h"
#include "aws/sigv4.h"
#include "core/clock.h"
#include "core/result.h"

namespace floecat::aws {

// The address and signing settings of one AWS service.
struct ServiceEndpoint {
  // Scheme and authority, e.g. "https://secretsmanager.eu-west-1.amazonaws.com".
  std::string origin;
  // Path prefix of the endpoint URL ("" or e.g. "/moto"), without a trailing slash.
  std::string base_path;
  // Host header value: the authority of the URL.
  std::string host;
  std::string region;
  // SigV4 service name, e.g. "secretsmanager" or "sts".
  std::string signing_name;
  PathRule path_rule = PathRule::kNormalizeAndDoubleEncode;

  // Splits "scheme://host[:port][/path]" into origin, host and base path.
  // Errors: kInvalidArgument naming `setting` when the URL is not http(s).
  static Result<ServiceEndpoint> from_url(std::string_view url,
                                          std::string_view setting,
                                          std::string region,
                                          std::string signing_name);
};

// The error an AWS service returned, parsed from its body and headers.
struct AwsError {
  int http_status = 0;
  // The code without namespace prefix, e.g. "ResourceNotFoundException".
  std::string code;
  std::string message;
  std::string request_id;
};

// Parses an error response of one protocol (JSON 1.1, Query XML).
using ErrorParser = std::function<AwsError(const HttpResponse&)>;

// Everything a service client needs from outside; tests swap each part.
struct ServiceContext {
  // Null sends requests unsigned (AssumeRoleWithWebIdentity needs no keys).
  std::shared_ptr<CredentialsProvider> credentials;
  std::shared_ptr<HttpTransport> transport;
  RetryOptions retry;
  const Clock* clock = &SystemClock::instance();
  Sleeper* sleeper = &RealSleeper::instance();
  // Random source for backoff jitter; empty means a real random generator.
  std::function<double()> random_unit;
};

// The outcome of one AWS call: the 2xx response, or the Status that explains
// the failure plus the AWS error when the service sent one.
struct CallOutcome {
  Status status;
  HttpResponse response;
  AwsError error;
  int attempts = 0;

  bool ok() const { return status.ok(); }
};

// Signs and sends requests to one service, retrying throttling, 5xx and
// transport failures with capped exponential backoff and full jitter within
// the call's deadline. Other 4xx responses are returned at once. Thread-safe.
class ServiceClient {
 public:
  ServiceClient(ServiceEndpoint endpoint, ServiceContext context, ErrorParser parse_error);

  // `request` carries method, path (relative to the base path), query,
  // headers and body; the client adds Host and signs each attempt.
  // Status codes of a failed outcome: kUnavailable (throttled or 5xx or
  // transport failure on the last attempt), kDeadlineExceeded (the deadline
  // passed), kPermissionDenied (401/403), kNotFound (404),
  // kInvalidArgument (other 4xx), kFailedPrecondition (no credentials).
  CallOutcome call(const HttpRequest& request, std::string_view operation) const;

  const ServiceEndpoint& endpoint() const { return endpoint_; }

 private:
  Result<HttpResponse> send_once(const HttpRequest& request,
                                 const Credentials* credentials,
                                 std::chrono::milliseconds timeout) const;
  // Invalidates and re-fetches credentials that the service reported expired
  // on the first attempt. Returns true when the call should try again.
  bool refreshed_expired_credentials(const AwsError& error,
                                     int attempt,
                                     std::optional<Credentials>& credentials) const;
  Status describe_failure(const AwsError& error, std::string_view operation, int attempts) const;

  ServiceEndpoint endpoint_;
  ServiceContext context_;
  ErrorParser parse_error_;
  Backoff backoff_;
};

}  // namespace floecat::aws
