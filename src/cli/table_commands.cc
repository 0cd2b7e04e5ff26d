#include "cli/table_commands.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/api_client.h"
#include "cli/store_options.h"

namespace floecat::cli {
namespace {

using nlohmann::json;

struct TableCommand {
  ApiOptions api;
  std::string output = "table";
  std::string account;
  std::string namespace_name;
  std::string name;
};

void add_common_options(CLI::App& command, TableCommand& options) {
  add_api_options(command, options.api, options.output);
  command.add_option("--account", options.account, "Account id (the Iceberg catalog prefix)")
      ->required();
}

void add_table_options(CLI::App& command, TableCommand& options) {
  add_common_options(command, options);
  command
      .add_option("--namespace", options.namespace_name,
                  "Namespace; levels separated by '.', e.g. sales.emea")
      ->required();
  command.add_option("--name", options.name, "Table name")->required();
}

// Splits "a.b" into {"a", "b"}.
std::vector<std::string> namespace_levels(const std::string& text) {
  std::vector<std::string> levels;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = text.find('.', start);
    levels.push_back(text.substr(start, dot == std::string::npos ? dot : dot - start));
    if (dot == std::string::npos) {
      return levels;
    }
    start = dot + 1;
  }
}

// The namespace as one path segment: levels joined by 0x1F, percent-encoded.
std::string namespace_segment(const std::string& text) {
  std::string joined;
  for (const std::string& level : namespace_levels(text)) {
    joined += joined.empty() ? "" : "\x1f";
    joined += level;
  }
  return percent_encode_segment(joined);
}

std::string table_path(const TableCommand& options) {
  return fmt::format(
      "/iceberg/v1/{}/namespaces/{}/tables/{}", percent_encode_segment(options.account),
      namespace_segment(options.namespace_name), percent_encode_segment(options.name));
}

// Prints the error of an Iceberg response ({"error": {"message", "type"}}).
int report_iceberg_error(const ApiResponse& response) {
  std::string message = "HTTP " + std::to_string(response.status);
  if (response.body.is_object() && response.body.contains("error") &&
      response.body["error"].is_object()) {
    const json& error = response.body["error"];
    message =
        error.value("type", std::string("error")) + ": " + error.value("message", std::string());
  }
  std::cerr << "error: " << message << "\n";
  return response.status == 404 ? 4 : 1;
}

void print_credentials(const json& credentials) {
  for (const json& credential : credentials) {
    std::cout << "prefix: " << credential.value("prefix", std::string()) << "\n";
    if (credential.contains("expires_at_ms")) {
      std::cout << "expires_at_ms: " << credential["expires_at_ms"].dump() << "\n";
    }
    for (const auto& [key, value] : credential["config"].items()) {
      std::cout << "  " << key << ": "
                << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
    }
  }
}

void print_table(const json& result, const std::string& output) {
  if (output == "json") {
    std::cout << result.dump(2) << "\n";
    return;
  }
  std::cout << "metadata-location: " << result.value("metadata-location", std::string()) << "\n";
  if (result.contains("metadata") && result["metadata"].is_object()) {
    std::cout << "location: " << result["metadata"].value("location", std::string()) << "\n";
    std::cout << "table-uuid: " << result["metadata"].value("table-uuid", std::string()) << "\n";
  }
  if (result.contains("storage-credentials")) {
    print_credentials(result["storage-credentials"]);
  }
}

int register_table(const TableCommand& options,
                   const std::string& metadata_location,
                   bool create_namespace) {
  if (create_namespace) {
    std::vector<std::string> levels = namespace_levels(options.namespace_name);
    for (std::size_t depth = 1; depth <= levels.size(); ++depth) {
      json body = {{"namespace", std::vector<std::string>(levels.begin(), levels.begin() + depth)}};
      auto created = call_api(
          options.api, "POST",
          fmt::format("/iceberg/v1/{}/namespaces", percent_encode_segment(options.account)), body);
      if (!created.ok()) {
        return report_error(created.status());
      }
      if (created->status >= 400 && created->status != 409) {
        return report_iceberg_error(*created);
      }
    }
  }
  json body = {{"name", options.name}, {"metadata-location", metadata_location}};
  auto response = call_api(
      options.api, "POST",
      fmt::format("/iceberg/v1/{}/namespaces/{}/register", percent_encode_segment(options.account),
                  namespace_segment(options.namespace_name)),
      body);
  if (!response.ok()) {
    return report_error(response.status());
  }
  if (response->status >= 400) {
    return report_iceberg_error(*response);
  }
  print_table(response->body, options.output);
  return 0;
}

int load_table(const TableCommand& options, bool vend) {
  auto response = call_api(options.api, "GET", table_path(options), std::nullopt);
  if (!response.ok()) {
    return report_error(response.status());
  }
  if (response->status >= 400) {
    return report_iceberg_error(*response);
  }
  json result = response->body;
  if (vend) {
    // The credentials route mints the same credentials a load with
    // X-Iceberg-Access-Delegation: vended-credentials carries.
    auto credentials =
        call_api(options.api, "GET", table_path(options) + "/credentials", std::nullopt);
    if (!credentials.ok()) {
      return report_error(credentials.status());
    }
    if (credentials->status >= 400) {
      return report_iceberg_error(*credentials);
    }
    result["storage-credentials"] = credentials->body["storage-credentials"];
  }
  print_table(result, options.output);
  return 0;
}

int vend_location(const TableCommand& options,
                  const std::string& location,
                  const std::string& access) {
  json body = {{"location", location}, {"access", access}, {"include_credentials", true}};
  auto response = call_api(options.api, "POST",
                           "/api/v1/accounts/" + percent_encode_segment(options.account) +
                               "/storage-authorities:resolve",
                           body);
  if (!response.ok()) {
    return report_error(response.status());
  }
  if (response->status >= 400) {
    return report_api_error(*response);
  }
  if (options.output == "json") {
    std::cout << response->body.dump(2) << "\n";
  } else {
    std::cout << "authority_id: " << response->body.value("authority_id", std::string()) << "\n";
    print_credentials(response->body["storage_credentials"]);
  }
  return 0;
}

}  // namespace

void add_table_commands(CLI::App& app, int& exit_code) {
  CLI::App* group = app.add_subcommand("table", "Register and load Iceberg tables");
  group->require_subcommand(1);

  auto registration = std::make_shared<TableCommand>();
  auto metadata_location = std::make_shared<std::string>();
  auto create_namespace = std::make_shared<bool>(false);
  CLI::App* r = group->add_subcommand(
      "register", "Register a table from its metadata file; the server reads the file from S3");
  add_table_options(*r, *registration);
  r->add_option(
       "--metadata-location", *metadata_location,
       "The table's current metadata file, e.g. s3://bucket/db/t/metadata/v1.metadata.json")
      ->required();
  r->add_flag("--create-namespace", *create_namespace, "Create the namespace first when missing");
  r->callback([=, &exit_code] {
    exit_code = register_table(*registration, *metadata_location, *create_namespace);
  });

  auto load = std::make_shared<TableCommand>();
  auto vend = std::make_shared<bool>(false);
  CLI::App* l = group->add_subcommand("load", "Load a table's metadata");
  add_table_options(*l, *load);
  l->add_flag("--vend", *vend, "Also mint temporary read credentials for the table's location");
  l->callback([=, &exit_code] { exit_code = load_table(*load, *vend); });

  auto vend_options = std::make_shared<TableCommand>();
  auto location = std::make_shared<std::string>();
  auto access = std::make_shared<std::string>("read");
  CLI::App* v = app.add_subcommand(
      "vend", "Mint temporary S3 credentials for a location through its storage authority");
  add_common_options(*v, *vend_options);
  v->add_option("location", *location, "Location, e.g. s3://bucket/path")->required();
  v->add_option("--access", *access, "read or write")
      ->check(CLI::IsMember({"read", "write"}))
      ->capture_default_str();
  v->callback([=, &exit_code] { exit_code = vend_location(*vend_options, *location, *access); });
}

}  // namespace floecat::cli
