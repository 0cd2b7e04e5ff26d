#include "aws/service_client.h"

#include "aws/errors.h"
#include "aws/request_ids.h"
#include "core/logging.h"

namespace floecat::aws {
namespace {

using std::chrono::milliseconds;

bool is_retryable_transport_error(const Status& status) {
  return status.code() == StatusCode::kUnavailable ||
         status.code() == StatusCode::kDeadlineExceeded;
}

bool is_retryable_response(const AwsError& error) {
  return is_throttling_code(error.code) || is_transient_code(error.code) ||
         error.http_status == 429 || error.http_status >= 500;
}

milliseconds remaining(const Clock& clock, std::chrono::system_clock::time_point deadline) {
  return std::chrono::duration_cast<milliseconds>(deadline - clock.now());
}

}  // namespace

Result<ServiceEndpoint> ServiceEndpoint::from_url(std::string_view url,
                                                  std::string_view setting,
                                                  std::string region,
                                                  std::string signing_name) {
  std::size_t scheme_end = url.find("://");
  std::string_view scheme = scheme_end == std::string_view::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return invalid_argument(std::string(setting) + " must be an http:// or https:// URL, got '" +
                            std::string(url) + "'");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  std::size_t path_start = rest.find('/');
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path = path_start == std::string_view::npos ? "" : rest.substr(path_start);
  while (!path.empty() && path.back() == '/') {
    path.remove_suffix(1);
  }
  if (authority.empty() || authority.find('@') != std::string_view::npos ||
      authority.find_first_of("?#") != std::string_view::npos ||
      path.find_first_of("?#") != std::string_view::npos) {
    return invalid_argument(std::string(setting) +
                            " must be scheme://host[:port][/path] without user info, query or "
                            "fragment, got '" +
                            std::string(url) + "'");
  }

  ServiceEndpoint endpoint;
  endpoint.origin = std::string(scheme) + "://" + std::string(authority);
  endpoint.host = to_lower(authority);
  // The default port is left out of Host, as botocore does.
  if (scheme == "http" && endpoint.host.size() > 3 &&
      endpoint.host.compare(endpoint.host.size() - 3, 3, ":80") == 0) {
    endpoint.host.resize(endpoint.host.size() - 3);
  } else if (scheme == "https" && endpoint.host.size() > 4 &&
             endpoint.host.compare(endpoint.host.size() - 4, 4, ":443") == 0) {
    endpoint.host.resize(endpoint.host.size() - 4);
  }
  endpoint.base_path = std::string(path);
  endpoint.region = std::move(region);
  endpoint.signing_name = std::move(signing_name);
  return endpoint;
}

ServiceClient::ServiceClient(ServiceEndpoint endpoint,
                             ServiceContext context,
                             ErrorParser parse_error)
    : endpoint_(std::move(endpoint)),
      context_(std::move(context)),
      parse_error_(std::move(parse_error)),
      backoff_(context_.retry, context_.random_unit) {}

Result<HttpResponse> ServiceClient::send_once(const HttpRequest& request,
                                              const Credentials* credentials,
                                              milliseconds timeout) const {
  HttpRequest signed_request;
  signed_request.method = request.method;
  signed_request.origin = endpoint_.origin;
  signed_request.path = endpoint_.base_path + request.path;
  signed_request.query = request.query;
  signed_request.headers = request.headers;
  signed_request.body = request.body;
  signed_request.set_header("Host", endpoint_.host);

  SigningScope scope{endpoint_.signing_name, endpoint_.region, context_.clock->now(),
                     endpoint_.path_rule};
  if (credentials != nullptr) {
    FLOECAT_RETURN_IF_ERROR(sign_request(signed_request, *credentials, scope));
  }
  return context_.transport->send(signed_request, timeout);
}

Status ServiceClient::describe_failure(const AwsError& error,
                                       std::string_view operation,
                                       int attempts) const {
  std::string text = endpoint_.signing_name + " " + std::string(operation) + " failed with HTTP " +
                     std::to_string(error.http_status);
  if (!error.code.empty()) {
    text += " " + error.code;
  }
  if (!error.message.empty()) {
    text += ": " + error.message;
  }
  if (!error.request_id.empty()) {
    text += " (request id " + error.request_id + ")";
  }
  if (is_retryable_response(error)) {
    return unavailable(text + " after " + std::to_string(attempts) + " attempts; retry later");
  }
  if (error.http_status == 401 || error.http_status == 403) {
    return permission_denied(text);
  }
  if (error.http_status == 404) {
    return not_found(text);
  }
  return invalid_argument(text);
}

bool ServiceClient::refreshed_expired_credentials(const AwsError& error,
                                                  int attempt,
                                                  std::optional<Credentials>& credentials) const {
  bool expired = error.code == "ExpiredTokenException" || error.code == "ExpiredToken";
  if (!expired || attempt != 1 || context_.credentials == nullptr) {
    return false;
  }
  // The session ended before its stated expiry (revoked, or clocks apart),
  // so fetch new credentials and try once more.
  context_.credentials->invalidate();
  Result<Credentials> fresh = context_.credentials->credentials();
  if (!fresh.ok()) {
    return false;
  }
  logger().warn("{} credentials were reported expired, retrying with new ones from {}",
                endpoint_.signing_name, fresh->source);
  credentials = std::move(*fresh);
  return true;
}

CallOutcome ServiceClient::call(const HttpRequest& request, std::string_view operation) const {
  CallOutcome outcome;
  const Clock& clock = *context_.clock;
  auto deadline = clock.now() + context_.retry.deadline;

  std::optional<Credentials> credentials;
  if (context_.credentials != nullptr) {
    Result<Credentials> resolved = context_.credentials->credentials();
    if (!resolved.ok()) {
      outcome.status = resolved.status().with_context(
          "no AWS credentials for " + endpoint_.signing_name + " " + std::string(operation));
      return outcome;
    }
    credentials = std::move(*resolved);
  }

  Status last_failure;
  for (int attempt = 1; attempt <= context_.retry.max_attempts; ++attempt) {
    outcome.attempts = attempt;
    milliseconds time_left = remaining(clock, deadline);
    if (time_left <= milliseconds(0)) {
      break;
    }
    Result<HttpResponse> response = send_once(request, credentials ? &*credentials : nullptr,
                                              std::min(time_left, context_.retry.attempt_timeout));

    bool retryable = false;
    if (!response.ok()) {
      last_failure = response.status();
      retryable = is_retryable_transport_error(last_failure);
    } else if (response->status >= 200 && response->status < 300) {
      RequestIdScope::record(request_id_of(*response));
      outcome.response = std::move(*response);
      outcome.error = AwsError{};
      outcome.status = Status::ok_status();
      return outcome;
    } else {
      outcome.error = parse_error_(*response);
      outcome.error.http_status = response->status;
      RequestIdScope::record(outcome.error.request_id);
      last_failure = describe_failure(outcome.error, operation, attempt);
      retryable = is_retryable_response(outcome.error);
    }
    if (!retryable && refreshed_expired_credentials(outcome.error, attempt, credentials)) {
      continue;
    }
    if (!retryable) {
      outcome.status = last_failure;
      return outcome;
    }
    if (attempt == context_.retry.max_attempts) {
      break;
    }

    milliseconds delay = backoff_.delay_before_retry(attempt);
    if (delay >= remaining(clock, deadline)) {
      logger().warn("{} {} failed and is not retried because the {} ms deadline would pass: {}",
                    endpoint_.signing_name, operation, context_.retry.deadline.count(),
                    last_failure.message());
      outcome.status = deadline_exceeded(
          endpoint_.signing_name + " " + std::string(operation) + " did not succeed within " +
          std::to_string(context_.retry.deadline.count()) + " ms (" + std::to_string(attempt) +
          " attempts); last error: " + last_failure.message());
      return outcome;
    }
    logger().warn("{} {} failed on attempt {}, retrying in {} ms: {}", endpoint_.signing_name,
                  operation, attempt, delay.count(), last_failure.message());
    context_.sleeper->sleep_for(delay);
  }

  if (remaining(clock, deadline) <= milliseconds(0)) {
    outcome.status = deadline_exceeded(
        endpoint_.signing_name + " " + std::string(operation) + " did not succeed within " +
        std::to_string(context_.retry.deadline.count()) + " ms (" +
        std::to_string(outcome.attempts) + " attempts); last error: " + last_failure.message());
  } else {
    outcome.status =
        unavailable(endpoint_.signing_name + " " + std::string(operation) + " failed after " +
                    std::to_string(outcome.attempts) + " attempts: " + last_failure.message());
  }
  return outcome;
}

}  // namespace floecat::aws
