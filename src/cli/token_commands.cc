#include "cli/token_commands.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/api_client.h"
#include "cli/output.h"
#include "cli/store_options.h"
#include "core/logging.h"

namespace floecat::cli {
namespace {

using nlohmann::json;

struct TokenCommand {
  ApiOptions api;
  std::string output = "table";
};

void add_options(CLI::App& command, TokenCommand& options) {
  add_api_options(command, options.api, options.output, "Admin bearer token");
}

void print_token_list(const json& tokens) {
  std::cout << fmt::format("{:<18}{:<20}{:<8}{:<26}{}\n", "ID", "ACCOUNT", "REVOKED", "CREATED",
                           "DESCRIPTION");
  for (const json& token : tokens) {
    std::string account = token.value("admin", false) ? "(admin)" : token.value("account_id", "");
    std::cout << fmt::format("{:<18}{:<20}{:<8}{:<26}{}\n", token.value("id", ""), account,
                             token.value("revoked", false) ? "yes" : "no",
                             token.value("created_at", ""), token.value("description", ""));
  }
}

int finish(const TokenCommand& options, const Result<ApiResponse>& response) {
  if (!response.ok()) {
    return report_error(response.status());
  }
  if (response->status >= 400) {
    return report_api_error(*response);
  }
  if (options.output == "table" && response->body.is_object() &&
      response->body.contains("tokens") && response->body["tokens"].is_array()) {
    print_token_list(response->body["tokens"]);
    return 0;
  }
  print_response(*response, ResourceKind::kResolution, options.output);
  return 0;
}

}  // namespace

void add_token_commands(CLI::App& app, int& exit_code) {
  CLI::App* group = app.add_subcommand("token", "Create, list and revoke API tokens (admin)");
  group->require_subcommand(1);

  auto create = std::make_shared<TokenCommand>();
  auto account = std::make_shared<std::string>();
  auto description = std::make_shared<std::string>();
  CLI::App* c = group->add_subcommand(
      "create", "Create a token bound to one account; the token is printed only this once");
  add_options(*c, *create);
  c->add_option("--account", *account, "Account id the token is bound to")->required();
  c->add_option("--description", *description, "Free text, e.g. who holds the token");
  c->callback([create, account, description, &exit_code] {
    json body = {{"account_id", *account}};
    if (!description->empty()) {
      body["description"] = *description;
    }
    exit_code = finish(*create, call_api(create->api, "POST", "/api/v1/tokens", body));
  });

  auto list = std::make_shared<TokenCommand>();
  CLI::App* l = group->add_subcommand("list", "List tokens (never the token values)");
  add_options(*l, *list);
  l->callback([list, &exit_code] {
    exit_code = finish(*list, call_api(list->api, "GET", "/api/v1/tokens", std::nullopt));
  });

  auto revoke = std::make_shared<TokenCommand>();
  auto id = std::make_shared<std::string>();
  CLI::App* r = group->add_subcommand("revoke", "Revoke a token by id");
  add_options(*r, *revoke);
  r->add_option("id", *id, "Token id, as token list shows it")->required();
  r->callback([revoke, id, &exit_code] {
    exit_code =
        finish(*revoke, call_api(revoke->api, "DELETE",
                                 "/api/v1/tokens/" + percent_encode_segment(*id), std::nullopt));
  });

  auto reset = std::make_shared<StoreOptions>();
  CLI::App* a = group->add_subcommand(
      "reset-admin",
      "Revoke every admin token and write a new one to <data-dir>/admin-token (opens the "
      "records store directly)");
  add_store_options(*a, *reset);
  a->callback([reset, &exit_code] {
    Status status = reset_admin_token(reset->data_dir);
    exit_code = status.ok() ? 0 : report_error(status);
  });
}

Status reset_admin_token(const std::string& data_dir) {
  // open_records would create an empty store, which has no admin to reset.
  std::string records_path = data_dir + "/records.db";
  if (::access(records_path.c_str(), F_OK) != 0) {
    return not_found(
        fmt::format("no records store at {}; pass the server's --data-dir", records_path));
  }
  FLOECAT_ASSIGN_OR_RETURN(std::unique_ptr<records::RecordStore> records, open_records(data_dir));
  catalog::TokenService tokens(*records, SystemClock::instance());
  FLOECAT_ASSIGN_OR_RETURN(int revoked, tokens.revoke_admins());
  std::string path = data_dir + "/admin-token";
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return unavailable(fmt::format("cannot remove {}: {}", path, std::strerror(errno)));
  }
  std::cerr << fmt::format("floecat: revoked {} admin token(s)\n", revoked);
  return bootstrap_admin_token(tokens, path);
}

Status bootstrap_admin_token(catalog::TokenService& tokens, const std::string& path) {
  FLOECAT_ASSIGN_OR_RETURN(bool has_admin, tokens.has_active_admin());
  if (has_admin) {
    return Status();
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      return failed_precondition(fmt::format(
          "{} exists but the records store has no active admin token; remove the file and "
          "start again to create a new admin token",
          path));
    }
    return unavailable(fmt::format("cannot create {}: {}", path, std::strerror(errno)));
  }
  Result<SecretBytes> token = tokens.create_admin("created at first start");
  if (!token.ok()) {
    ::close(fd);
    ::unlink(path.c_str());
    return token.status().with_context("creating the admin token");
  }
  SecretBytes line = token->clone();
  line.append("\n");
  std::size_t written = 0;
  while (written < line.size()) {
    ssize_t n = ::write(fd, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      int saved = errno;
      ::close(fd);
      ::unlink(path.c_str());
      // Nobody can know the token now, so it is revoked and the next start
      // creates another.
      if (Result<catalog::ParsedToken> parsed = catalog::parse_token(token->expose());
          parsed.ok()) {
        tokens.revoke(parsed->id).ignore_error();
      }
      return unavailable(fmt::format("writing {} failed: {}", path, std::strerror(saved)));
    }
    written += static_cast<std::size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  // Standard error, not the logger: the token must never reach a log file
  // sink, and this is the one time it is shown.
  std::cerr << fmt::format(
      "floecat: created the admin token; it is shown only now and stored in {} (mode 0600):\n{}",
      path, line.expose());
  logger().info("wrote the admin token to {}", path);
  return Status();
}

Result<ServeAuth> open_serve_auth(const Config& config,
                                  const std::string& data_dir,
                                  secrets::SecretsStore& secrets,
                                  records::RecordStore& records) {
  FLOECAT_RETURN_IF_ERROR(ensure_data_dir(data_dir));
  ServeAuth auth;
  std::string audit_path = config.get_string("floecat.audit.file", data_dir + "/audit.log");
  FLOECAT_ASSIGN_OR_RETURN(auth.audit, http::AuditLog::open(audit_path, SystemClock::instance()));
  auth.audited_secrets = std::make_unique<http::AuditingSecretsStore>(secrets, *auth.audit);

  FLOECAT_ASSIGN_OR_RETURN(std::int64_t cache_ms,
                           config.get_int("floecat.auth.token-cache-ms", 5000, 0, 300000));
  catalog::TokenServiceOptions token_options;
  token_options.cache_ttl = std::chrono::milliseconds(cache_ms);
  auth.tokens =
      std::make_unique<catalog::TokenService>(records, SystemClock::instance(), token_options);
  FLOECAT_RETURN_IF_ERROR(bootstrap_admin_token(*auth.tokens, data_dir + "/admin-token"));
  auth.authenticator = std::make_unique<http::Authenticator>(*auth.tokens, auth.audit.get());
  logger().info("audit log at {}", audit_path);
  return auth;
}

void install_auth(http::Router& router, ServeAuth& auth) {
  http::add_token_routes(router, *auth.tokens);
  router.set_middleware(auth.authenticator->middleware());
}

}  // namespace floecat::cli
