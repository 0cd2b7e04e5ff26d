#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "aws/request_ids.h"
#include "core/clock.h"
#include "core/result.h"
#include "http/server.h"
#include "secrets/secrets_store.h"

namespace floecat::http {

// One audited operation. Fields left empty are written as null. No field
// ever holds a payload or a token: `token_id` is the id part only.
struct AuditEvent {
  // What happened, e.g. "secret.put", "vend", "auth.reject", "token.create".
  std::string action;
  std::string account_id;
  std::string token_id;
  // The resource acted on: a request path, a secret key name or a token id.
  std::string resource;
  std::string secret_name;
  // "ok", or the error code such as "unauthenticated" or "not_found".
  std::string outcome;
  std::string aws_request_id;
  std::string remote_address;
};

// An append-only file of JSON lines, one per event:
// {"time", "action", "account_id", "token_id", "resource", "secret_name",
// "outcome", "aws_request_id", "remote_address"}. Each line is written with
// one write(2) call on a file opened with O_APPEND, so it reaches the kernel
// before record() returns and lines from several threads never interleave.
// Thread-safe.
class AuditLog {
 public:
  // Opens (creating with mode 0600) or appends to `path`. Errors:
  // kUnavailable naming the path.
  static Result<std::unique_ptr<AuditLog>> open(const std::string& path, const Clock& clock);

  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends one line. A failed write is logged (rate-limited) and dropped,
  // because an audit failure must not fail the request it describes.
  void record(const AuditEvent& event);

  const std::string& path() const { return path_; }

 private:
  AuditLog(std::string path, int fd, const Clock& clock);

  std::string path_;
  int fd_;
  const Clock& clock_;
  std::mutex mutex_;
  unsigned long failed_writes_ = 0;  // guarded by mutex_
};

// The caller of the request running on this thread, for audit lines written
// below the HTTP layer. Handlers run synchronously on a worker thread, so a
// scope around the handler call covers every store call it makes.
class AuditCallerScope {
 public:
  AuditCallerScope(std::string token_id, std::string remote_address);
  ~AuditCallerScope();
  AuditCallerScope(const AuditCallerScope&) = delete;
  AuditCallerScope& operator=(const AuditCallerScope&) = delete;

  // The token id of the current request on this thread, or "" outside one.
  static const std::string& current_token_id();
  static const std::string& current_remote_address();
};

// A SecretsStore that writes an audit line for every put, get, update and
// remove it forwards, with the secret's key name and account (never the
// payload). The catalog is given this store, so every secret operation the
// catalog performs is audited. Listing, tags and readiness are not audited.
// On the AWS backend, aws_request_id lists the request ids of the AWS calls
// the operation made, separated by commas. The local store makes no calls.
class AuditingSecretsStore final : public secrets::SecretsStore {
 public:
  AuditingSecretsStore(secrets::SecretsStore& inner, AuditLog& audit);

  Result<std::string> put(const secrets::SecretKey& key, const SecretBytes& payload) override;
  Result<std::optional<SecretBytes>> get(const secrets::SecretKey& key) override;
  Result<std::string> update(const secrets::SecretKey& key, const SecretBytes& payload) override;
  Status remove(const secrets::SecretKey& key) override;
  Result<std::vector<secrets::SecretKey>> list_for_account(std::string_view account_id) override;
  Result<std::map<std::string, std::string>> tags(const secrets::SecretKey& key) override;
  Status check_ready() override;
  std::string_view backend_name() const override;

 private:
  void record(std::string_view action,
              const secrets::SecretKey& key,
              const Status& status,
              const aws::RequestIdScope& request_ids);

  secrets::SecretsStore& inner_;
  AuditLog& audit_;
};

// Returns the outcome word for an audit line: "ok" or the lower-case status
// code name, e.g. "not_found".
std::string audit_outcome(const Status& status);

// Returns the outcome word for an HTTP status: "ok" below 400, the status
// code name for the common errors (e.g. "not_found"), else "http_<status>".
std::string audit_outcome_for_http_status(int status);

// Returns a ServerOptions::on_reject callback that writes one
// "request.reject" line per request the server rejected itself. `audit`
// must outlive the server.
std::function<void(const RejectedRequest&)> audit_rejected_requests(AuditLog& audit);

}  // namespace floecat::http
