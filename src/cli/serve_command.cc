#include "cli/serve_command.h"

#include <pthread.h>

#include <csignal>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "aws/http_transport.h"
#include "catalog/catalog.h"
#include "cli/store_options.h"
#include "cli/token_commands.h"
#include "core/logging.h"
#include "http/iceberg_api.h"
#include "http/management_api.h"
#include "http/server.h"
#include "vending/credential_vendor.h"

#include <sys/prctl.h>
#include <sys/resource.h>

namespace floecat::cli {
namespace {

struct ServeOptions {
  StoreOptions store;
  std::string listen = "127.0.0.1:8181";
  std::string log_level;
  bool insecure_http = false;
  std::string tls_cert;
  std::string tls_key;
};

struct ListenAddress {
  std::string host;
  uint16_t port = 0;
};

// Parses "host:port" or "[ipv6]:port".
Result<ListenAddress> parse_listen(std::string_view text) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return invalid_argument(fmt::format("--listen must be host:port, got '{}'", text));
  }
  std::string host(text.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string port_text(text.substr(colon + 1));
  char* end = nullptr;
  long port = std::strtol(port_text.c_str(), &end, 10);
  if (end != port_text.c_str() + port_text.size() || port < 0 || port > 65535) {
    return invalid_argument(fmt::format("--listen port must be 0..65535, got '{}'", port_text));
  }
  return ListenAddress{host, static_cast<uint16_t>(port)};
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// Keeps secrets out of core dumps and out of reach of other users' ptrace.
void harden_process() {
  struct rlimit no_core {};

  ::setrlimit(RLIMIT_CORE, &no_core);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

Result<http::ServerOptions> server_options(const Config& config, const ListenAddress& address) {
  http::ServerOptions options;
  options.host = address.host;
  options.port = address.port;
  FLOECAT_ASSIGN_OR_RETURN(auto workers, config.get_int("floecat.http.worker-threads", 8, 1, 256));
  FLOECAT_ASSIGN_OR_RETURN(auto queued, config.get_int("floecat.http.max-queued", 256, 1, 65536));
  FLOECAT_ASSIGN_OR_RETURN(auto body,
                           config.get_int("floecat.http.max-body-bytes", 1 << 20, 1024, 64 << 20));
  FLOECAT_ASSIGN_OR_RETURN(auto read_timeout,
                           config.get_int("floecat.http.read-timeout-ms", 30000, 100, 600000));
  FLOECAT_ASSIGN_OR_RETURN(auto idle_timeout,
                           config.get_int("floecat.http.idle-timeout-ms", 60000, 100, 3600000));
  options.worker_threads = static_cast<int>(workers);
  options.max_queued = static_cast<std::size_t>(queued);
  options.max_body_bytes = static_cast<std::size_t>(body);
  options.read_timeout = std::chrono::milliseconds(read_timeout);
  options.idle_timeout = std::chrono::milliseconds(idle_timeout);
  return options;
}

int serve(const ServeOptions& options) {
  auto config = load_config(options.store);
  if (!config.ok()) {
    return report_error(config.status());
  }
  LogOptions log_options;
  log_options.level = options.log_level.empty() ? config->get_string("floecat.log.level", "info")
                                                : options.log_level;
  if (Status status = init_logging(log_options); !status.ok()) {
    return report_error(status);
  }
  auto address = parse_listen(options.listen);
  if (!address.ok()) {
    return report_error(address.status());
  }
  if (!is_loopback(address->host) && !options.insecure_http && options.tls_cert.empty()) {
    return report_error(invalid_argument(fmt::format(
        "refusing to serve plain HTTP on non-loopback address {}: pass --tls-cert and "
        "--tls-key to serve HTTPS, or --insecure-http to accept that tokens and credentials "
        "cross the network unencrypted",
        address->host)));
  }
  auto http_options = server_options(*config, *address);
  if (!http_options.ok()) {
    return report_error(http_options.status());
  }
  http_options->tls_cert_file = options.tls_cert;
  http_options->tls_key_file = options.tls_key;
  harden_process();

  // Block the stop signals before any thread starts so that every thread
  // inherits the mask and only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto secrets = open_secrets(*config, options.store.data_dir);
  if (!secrets.ok()) {
    return report_error(secrets.status().with_context("secrets store"));
  }
  auto records = open_records(options.store.data_dir);
  if (!records.ok()) {
    return report_error(records.status().with_context("records store"));
  }
  auto auth = open_serve_auth(*config, options.store.data_dir, **secrets, **records);
  if (!auth.ok()) {
    return report_error(auth.status().with_context("authentication"));
  }
  catalog::Catalog catalog(*auth->audited_secrets, **records, SystemClock::instance());

  // The sweep logs its own counts.
  if (auto sweep = catalog.sweep_orphan_secrets(); !sweep.ok()) {
    logger().error("start-up sweep failed: {}", sweep.status());
  }

  vending::VendorOptions vendor_options;
  vendor_options.config = *config;
  vendor_options.transport = std::make_shared<aws::CurlTransport>();
  auto vendor = vending::CredentialVendor::create(
      std::move(vendor_options), vending::AuthorityCredentialReader(*auth->audited_secrets));
  if (!vendor.ok()) {
    return report_error(vendor.status().with_context("credential vending"));
  }
  catalog.storage_authorities().set_credential_minter(vendor->get());

  http::Router router;
  secrets::SecretsStore& secrets_store = **secrets;
  records::RecordStore& record_store = **records;
  http::add_health_routes(router,
                          {{"secrets", [&secrets_store] { return secrets_store.check_ready(); }},
                           {"records", [&record_store] { return record_store.check_ready(); }}});
  http::add_management_routes(router, catalog);
  http::add_iceberg_routes(router, catalog, vendor->get());

  install_auth(router, *auth);

  http_options->on_reject = http::audit_rejected_requests(*auth->audit);
  http::Server server(*http_options, std::move(router));
  if (Status status = server.start(); !status.ok()) {
    return report_error(status);
  }
  logger().info("floecat listening on {}://{}:{} with the {} secrets store, data in {}",
                options.tls_cert.empty() ? "http" : "https", address->host, server.port(),
                secrets_store.backend_name(), options.store.data_dir);

  int received = 0;
  sigwait(&stop_signals, &received);
  logger().info("received signal {}; stopping", received);
  server.stop();
  logger().info("floecat stopped");
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* command = app.add_subcommand("serve", "Run the HTTP server");
  add_store_options(*command, options->store);
  command->add_option("--listen", options->listen, "Address to listen on, host:port")
      ->capture_default_str();
  command->add_option(
      "--log-level", options->log_level,
      "trace, debug, info, warn, error or off (default: floecat.log.level or info)");
  command->add_flag("--insecure-http", options->insecure_http,
                    "Allow plain HTTP on a non-loopback address");
  auto* tls_cert = command->add_option("--tls-cert", options->tls_cert,
                                       "PEM certificate chain; serve HTTPS (TLS 1.2+)");
  auto* tls_key =
      command->add_option("--tls-key", options->tls_key, "PEM private key for --tls-cert");
  tls_cert->needs(tls_key);
  tls_key->needs(tls_cert);
  command->callback([options, &exit_code] { exit_code = serve(*options); });
}

}  // namespace floecat::cli
