#include "http/audit.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/logging.h"

namespace floecat::http {
namespace {

struct ThreadCaller {
  std::string token_id;
  std::string remote_address;
};

thread_local ThreadCaller current_caller;

nlohmann::json or_null(const std::string& value) {
  return value.empty() ? nlohmann::json(nullptr) : nlohmann::json(value);
}

}  // namespace

std::string audit_outcome(const Status& status) {
  return std::string(status_code_name(status.code()));
}

Result<std::unique_ptr<AuditLog>> AuditLog::open(const std::string& path, const Clock& clock) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return unavailable(
        fmt::format("cannot open audit log {}: {}; check floecat.audit.file and "
                    "the directory's permissions",
                    path, std::strerror(errno)));
  }
  return std::unique_ptr<AuditLog>(new AuditLog(path, fd, clock));
}

AuditLog::AuditLog(std::string path, int fd, const Clock& clock)
    : path_(std::move(path)), fd_(fd), clock_(clock) {}

AuditLog::~AuditLog() {
  ::close(fd_);
}

void AuditLog::record(const AuditEvent& event) {
  nlohmann::json line = {{"time", format_rfc3339(clock_.now())},
                         {"action", event.action},
                         {"account_id", or_null(event.account_id)},
                         {"token_id", or_null(event.token_id)},
                         {"resource", or_null(event.resource)},
                         {"secret_name", or_null(event.secret_name)},
                         {"outcome", event.outcome.empty() ? "ok" : event.outcome},
                         {"aws_request_id", or_null(event.aws_request_id)},
                         {"remote_address", or_null(event.remote_address)}};
  // Invalid UTF-8 in a path is replaced rather than failing the dump.
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');

  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd_, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      ++failed_writes_;
      // Powers of two keep a full disk from flooding the server log.
      if ((failed_writes_ & (failed_writes_ - 1)) == 0) {
        logger().error("writing the audit log {} failed ({} failures so far): {}", path_,
                       failed_writes_, std::strerror(errno));
      }
      return;
    }
    written += static_cast<std::size_t>(n);
  }
}

AuditCallerScope::AuditCallerScope(std::string token_id, std::string remote_address) {
  current_caller.token_id = std::move(token_id);
  current_caller.remote_address = std::move(remote_address);
}

AuditCallerScope::~AuditCallerScope() {
  current_caller.token_id.clear();
  current_caller.remote_address.clear();
}

const std::string& AuditCallerScope::current_token_id() {
  return current_caller.token_id;
}

const std::string& AuditCallerScope::current_remote_address() {
  return current_caller.remote_address;
}

AuditingSecretsStore::AuditingSecretsStore(secrets::SecretsStore& inner, AuditLog& audit)
    : inner_(inner), audit_(audit) {}

void AuditingSecretsStore::record(std::string_view action,
                                  const secrets::SecretKey& key,
                                  const Status& status,
                                  const aws::RequestIdScope& request_ids) {
  AuditEvent event;
  event.aws_request_id = request_ids.joined();
  event.action = std::string(action);
  event.account_id = key.account_id();
  event.token_id = AuditCallerScope::current_token_id();
  event.resource = key.secret_type() + "/" + key.secret_id();
  event.secret_name = key.name();
  event.outcome = audit_outcome(status);
  event.remote_address = AuditCallerScope::current_remote_address();
  audit_.record(event);
}

Result<std::string> AuditingSecretsStore::put(const secrets::SecretKey& key,
                                              const SecretBytes& payload) {
  aws::RequestIdScope request_ids;
  Result<std::string> result = inner_.put(key, payload);
  record("secret.put", key, result.status(), request_ids);
  return result;
}

Result<std::optional<SecretBytes>> AuditingSecretsStore::get(const secrets::SecretKey& key) {
  aws::RequestIdScope request_ids;
  Result<std::optional<SecretBytes>> result = inner_.get(key);
  Status status = result.status();
  if (result.ok() && !result->has_value()) {
    status = not_found("secret does not exist");
  }
  record("secret.get", key, status, request_ids);
  return result;
}

Result<std::string> AuditingSecretsStore::update(const secrets::SecretKey& key,
                                                 const SecretBytes& payload) {
  aws::RequestIdScope request_ids;
  Result<std::string> result = inner_.update(key, payload);
  record("secret.update", key, result.status(), request_ids);
  return result;
}

Status AuditingSecretsStore::remove(const secrets::SecretKey& key) {
  aws::RequestIdScope request_ids;
  Status status = inner_.remove(key);
  record("secret.remove", key, status, request_ids);
  return status;
}

Result<std::vector<secrets::SecretKey>> AuditingSecretsStore::list_for_account(
    std::string_view account_id) {
  return inner_.list_for_account(account_id);
}

Result<std::map<std::string, std::string>> AuditingSecretsStore::tags(
    const secrets::SecretKey& key) {
  return inner_.tags(key);
}

Status AuditingSecretsStore::check_ready() {
  return inner_.check_ready();
}

std::string_view AuditingSecretsStore::backend_name() const {
  return inner_.backend_name();
}

std::string audit_outcome_for_http_status(int status) {
  switch (status) {
    case 400:
      return "invalid_argument";
    case 401:
      return "unauthenticated";
    case 403:
      return "permission_denied";
    case 404:
      return "not_found";
    case 409:
      return "conflict";
    case 413:
      return "too_large";
    case 503:
      return "unavailable";
    default:
      return status < 400 ? "ok" : fmt::format("http_{}", status);
  }
}

std::function<void(const RejectedRequest&)> audit_rejected_requests(AuditLog& audit) {
  return [&audit](const RejectedRequest& rejected) {
    AuditEvent event;
    event.action = "request.reject";
    if (!rejected.method.empty()) {
      event.resource = rejected.method + " " + rejected.path;
    }
    event.outcome = audit_outcome_for_http_status(rejected.status);
    event.remote_address = rejected.remote_address;
    audit.record(event);
  };
}

}  // namespace floecat::http
