#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "catalog/token_service.h"
#include "core/config.h"
#include "core/status.h"
#include "http/audit.h"
#include "http/auth.h"
#include "records/record_store.h"
#include "secrets/secrets_store.h"

namespace floecat::cli {

// Adds `floecat token create|list|revoke`, which call the server's admin
// token routes.
void add_token_commands(CLI::App& app, int& exit_code);

// Revokes every admin token in the records store under `data_dir` and
// writes a new one to <data-dir>/admin-token, replacing the file. A running
// server stops accepting the old token within its token cache time.
Status reset_admin_token(const std::string& data_dir);

// Creates the admin token on the first start of `serve`: when the record
// store contains no admin token that is not revoked, creates one, writes it to
// `path` (created with O_EXCL and mode 0600) and prints it once on standard
// error. An existing file at `path` is an error telling the operator to
// remove it, because it cannot belong to this store's admin token.
Status bootstrap_admin_token(catalog::TokenService& tokens, const std::string& path);

// Authentication and audit state of `serve`. Members are destroyed last
// first, so each outlives the members declared after it that refer to it.
struct ServeAuth {
  std::unique_ptr<http::AuditLog> audit;
  // The secrets store to give the catalog, so its secret operations are
  // audited.
  std::unique_ptr<http::AuditingSecretsStore> audited_secrets;
  std::unique_ptr<catalog::TokenService> tokens;
  std::unique_ptr<http::Authenticator> authenticator;
};

// Opens the audit log (floecat.audit.file, default <data-dir>/audit.log),
// the token service (floecat.auth.token-cache-ms, default 5000) and
// creates the admin token at <data-dir>/admin-token on first start.
Result<ServeAuth> open_serve_auth(const Config& config,
                                  const std::string& data_dir,
                                  secrets::SecretsStore& secrets,
                                  records::RecordStore& records);

// Adds the token routes and makes every other route require a token.
void install_auth(http::Router& router, ServeAuth& auth);

}  // namespace floecat::cli
