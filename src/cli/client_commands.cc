#include "cli/client_commands.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "catalog/auth_credentials.h"
#include "cli/api_client.h"
#include "cli/output.h"
#include "cli/store_options.h"

namespace floecat::cli {
namespace {

using nlohmann::json;

// Parses repeated "key=value" options into a JSON object; `option` names
// the flag in errors.
Result<json> parse_pairs(std::string_view option, const std::vector<std::string>& pairs) {
  json object = json::object();
  for (const std::string& pair : pairs) {
    std::size_t equals = pair.find('=');
    if (equals == std::string::npos || equals == 0) {
      return invalid_argument(fmt::format("{} must have the form key=value", option));
    }
    object[pair.substr(0, equals)] = pair.substr(equals + 1);
  }
  return object;
}

struct CredentialOptions {
  std::string type;
  std::vector<std::string> fields;
  std::vector<std::string> headers;

  bool given() const { return !type.empty() || !fields.empty() || !headers.empty(); }
};

void add_credential_options(CLI::App& command,
                            CredentialOptions& options,
                            std::string_view credential_types) {
  command.add_option("--cred-type", options.type,
                     fmt::format("Credential type: {}", credential_types));
  command.add_option("--cred", options.fields,
                     "Credential field or property, key=value (repeatable); fields the type "
                     "defines go to the credential, other keys to its properties");
  command.add_option("--cred-header", options.headers,
                     "Header sent with the credential, key=value (repeatable)");
}

// Builds the "credentials" object from --cred-type, --cred and --cred-header.
Result<json> build_credentials(const CredentialOptions& options) {
  if (options.type.empty()) {
    return invalid_argument("--cred and --cred-header need --cred-type");
  }
  const catalog::CredentialTypeSchema* schema = catalog::find_credential_schema(options.type);
  if (schema == nullptr) {
    std::string known;
    for (const auto& candidate : catalog::credential_type_schemas()) {
      known += known.empty() ? "" : ", ";
      known += candidate.type;
    }
    return invalid_argument(
        fmt::format("--cred-type must be one of {}, got '{}'", known, options.type));
  }
  json credentials = {{"type", options.type}};
  json properties = json::object();
  FLOECAT_ASSIGN_OR_RETURN(json fields, parse_pairs("--cred", options.fields));
  for (auto& [key, value] : fields.items()) {
    const catalog::CredentialField* field = nullptr;
    for (const auto& candidate : schema->fields) {
      if (candidate.name == key) {
        field = &candidate;
      }
    }
    if (field == nullptr) {
      properties[key] = value;
    } else if (field->type == catalog::CredentialFieldType::kInteger) {
      std::string text = value.get<std::string>();
      char* end = nullptr;
      long long number = std::strtoll(text.c_str(), &end, 10);
      if (text.empty() || end != text.c_str() + text.size()) {
        return invalid_argument(fmt::format("--cred {} must be a whole number", key));
      }
      credentials[key] = number;
    } else {
      credentials[key] = value;
    }
  }
  if (!properties.empty()) {
    credentials["properties"] = std::move(properties);
  }
  FLOECAT_ASSIGN_OR_RETURN(json headers, parse_pairs("--cred-header", options.headers));
  if (!headers.empty()) {
    credentials["headers"] = std::move(headers);
  }
  return credentials;
}

// Options every client command has, plus the JSON body being built.
struct ClientCommand {
  ApiOptions api;
  std::string output = "table";
  std::string account;
  std::string id;
  std::string etag;
};

void add_api_options(CLI::App& command, ClientCommand& options) {
  add_api_options(command, options.api, options.output);
}

int finish(const ClientCommand& options, const Result<ApiResponse>& response, ResourceKind kind) {
  if (!response.ok()) {
    return report_error(response.status());
  }
  if (response->status >= 400) {
    return report_api_error(*response);
  }
  print_response(*response, kind, options.output);
  return 0;
}

std::string account_path(const std::string& account) {
  return "/api/v1/accounts/" + percent_encode_segment(account);
}

// ---- accounts ----------------------------------------------------------

void add_account_commands(CLI::App& app, int& exit_code) {
  CLI::App* group = app.add_subcommand("account", "Create, read and delete accounts");
  group->require_subcommand(1);

  auto create = std::make_shared<ClientCommand>();
  auto display_name = std::make_shared<std::string>();
  CLI::App* c = group->add_subcommand("create", "Create an account");
  add_api_options(*c, *create);
  c->add_option("--id", create->id, "Account id (letters, digits, '-', '_', '.')")->required();
  c->add_option("--display-name", *display_name, "Display name, unique")->required();
  c->callback([create, display_name, &exit_code] {
    json body = {{"id", create->id}, {"display_name", *display_name}};
    exit_code = finish(*create, call_api(create->api, "POST", "/api/v1/accounts", body),
                       ResourceKind::kAccount);
  });

  auto get = std::make_shared<ClientCommand>();
  CLI::App* g = group->add_subcommand("get", "Show one account");
  add_api_options(*g, *get);
  g->add_option("account", get->account, "Account id")->required();
  g->callback([get, &exit_code] {
    exit_code = finish(*get, call_api(get->api, "GET", account_path(get->account), std::nullopt),
                       ResourceKind::kAccount);
  });

  auto list = std::make_shared<ClientCommand>();
  CLI::App* l = group->add_subcommand("list", "List accounts");
  add_api_options(*l, *list);
  l->callback([list, &exit_code] {
    exit_code = finish(*list, call_api(list->api, "GET", "/api/v1/accounts", std::nullopt),
                       ResourceKind::kAccount);
  });

  auto remove = std::make_shared<ClientCommand>();
  CLI::App* d = group->add_subcommand(
      "delete", "Delete an account with all its connectors, storage authorities and secrets");
  add_api_options(*d, *remove);
  d->add_option("account", remove->account, "Account id")->required();
  d->callback([remove, &exit_code] {
    exit_code = finish(*remove,
                       call_api(remove->api, "DELETE", account_path(remove->account), std::nullopt),
                       ResourceKind::kAccount);
  });
}

// ---- connectors and storage authorities ---------------------------------

// Flags shared by create and update of one resource kind. Each flag that
// was given becomes one field of the body; update sends only those.
struct ResourceFlags {
  std::map<std::string, std::string> strings;   // JSON field -> value
  std::map<std::string, std::string> booleans;  // JSON field -> "true"/"false"
  std::map<std::string, long long> integers;
  std::map<std::string, std::vector<std::string>> maps;  // JSON path -> key=value list
  CredentialOptions credentials;
  bool clear_credentials = false;
};

struct FlagSpec {
  const char* flag;
  const char* field;  // "auth.scheme" puts the value under "auth"
  const char* help;
};

void set_path(json& body, std::string_view path, json value) {
  std::size_t dot = path.find('.');
  if (dot == std::string_view::npos) {
    body[std::string(path)] = std::move(value);
    return;
  }
  set_path(body[std::string(path.substr(0, dot))], path.substr(dot + 1), std::move(value));
}

Result<json> build_body(const ResourceFlags& flags, std::string_view credentials_path) {
  json body = json::object();
  for (const auto& [field, value] : flags.strings) {
    set_path(body, field, value);
  }
  for (const auto& [field, value] : flags.booleans) {
    if (value != "true" && value != "false") {
      return invalid_argument(fmt::format("the flag for {} must be true or false", field));
    }
    set_path(body, field, value == "true");
  }
  for (const auto& [field, value] : flags.integers) {
    set_path(body, field, value);
  }
  for (const auto& [field, pairs] : flags.maps) {
    FLOECAT_ASSIGN_OR_RETURN(json object, parse_pairs(field, pairs));
    set_path(body, field, std::move(object));
  }
  if (flags.clear_credentials) {
    set_path(body, credentials_path, nullptr);
  } else if (flags.credentials.given()) {
    FLOECAT_ASSIGN_OR_RETURN(json credentials, build_credentials(flags.credentials));
    set_path(body, credentials_path, std::move(credentials));
  }
  return body;
}

struct ResourceSpec {
  const char* command;     // "connector"
  const char* collection;  // "connectors"
  const char* noun;        // "connector"
  ResourceKind kind;
  const char* credentials_path;
  std::vector<FlagSpec> strings;
  std::vector<FlagSpec> booleans;
  std::vector<FlagSpec> integers;
  std::vector<FlagSpec> maps;
  std::vector<const char*> required_on_create;  // flags
  const char* credential_types;                 // the --cred-type values the server accepts
};

void add_resource_flags(CLI::App& command,
                        const ResourceSpec& spec,
                        ResourceFlags& flags,
                        bool creating) {
  for (const FlagSpec& s : spec.strings) {
    auto* option = command.add_option_function<std::string>(
        s.flag, [&flags, field = s.field](const std::string& v) { flags.strings[field] = v; },
        s.help);
    for (const char* required : spec.required_on_create) {
      if (creating && std::string_view(required) == s.flag) {
        option->required();
      }
    }
  }
  for (const FlagSpec& s : spec.booleans) {
    command.add_option_function<std::string>(
        s.flag, [&flags, field = s.field](const std::string& v) { flags.booleans[field] = v; },
        s.help);
  }
  for (const FlagSpec& s : spec.integers) {
    command.add_option_function<long long>(
        s.flag, [&flags, field = s.field](long long v) { flags.integers[field] = v; }, s.help);
  }
  for (const FlagSpec& s : spec.maps) {
    command.add_option_function<std::vector<std::string>>(
        s.flag,
        [&flags, field = s.field](const std::vector<std::string>& v) { flags.maps[field] = v; },
        s.help);
  }
  add_credential_options(command, flags.credentials, spec.credential_types);
  if (!creating) {
    command.add_flag("--clear-credentials", flags.clear_credentials,
                     "Remove the stored credentials (and delete the secret)");
  }
}

void add_resource_commands(CLI::App& app, const ResourceSpec& spec, int& exit_code) {
  // "storage-authorities" reads as "storage authorities" in help text.
  std::string plural = spec.collection;
  std::replace(plural.begin(), plural.end(), '-', ' ');
  CLI::App* group =
      app.add_subcommand(spec.command, fmt::format("Create, read, update and delete {}", plural));
  group->require_subcommand(1);
  auto base_path = [collection = std::string(spec.collection)](const ClientCommand& c) {
    return account_path(c.account) + "/" + collection;
  };
  auto item_path = [base_path](const ClientCommand& c) {
    return base_path(c) + "/" + percent_encode_segment(c.id);
  };
  ResourceKind kind = spec.kind;
  std::string credentials_path = spec.credentials_path;

  auto create = std::make_shared<ClientCommand>();
  auto create_flags = std::make_shared<ResourceFlags>();
  CLI::App* c = group->add_subcommand("create", fmt::format("Create a {}", spec.noun));
  add_api_options(*c, *create);
  c->add_option("--account", create->account, "Account id")->required();
  add_resource_flags(*c, spec, *create_flags, true);
  c->callback([=, &exit_code] {
    auto body = build_body(*create_flags, credentials_path);
    if (!body.ok()) {
      exit_code = report_error(body.status());
      return;
    }
    exit_code = finish(*create, call_api(create->api, "POST", base_path(*create), *body), kind);
  });

  auto get = std::make_shared<ClientCommand>();
  CLI::App* g =
      group->add_subcommand("get", fmt::format("Show one {} (by id or display name)", spec.noun));
  add_api_options(*g, *get);
  g->add_option("--account", get->account, "Account id")->required();
  g->add_option("id", get->id, "Id or display name")->required();
  g->callback([=, &exit_code] {
    exit_code = finish(*get, call_api(get->api, "GET", item_path(*get), std::nullopt), kind);
  });

  auto list = std::make_shared<ClientCommand>();
  CLI::App* l = group->add_subcommand("list", fmt::format("List the {} of an account", plural));
  add_api_options(*l, *list);
  l->add_option("--account", list->account, "Account id")->required();
  l->callback([=, &exit_code] {
    exit_code = finish(*list, call_api(list->api, "GET", base_path(*list), std::nullopt), kind);
  });

  auto update = std::make_shared<ClientCommand>();
  auto update_flags = std::make_shared<ResourceFlags>();
  CLI::App* u = group->add_subcommand(
      "update", fmt::format("Change the given fields of a {}; others stay as they are", spec.noun));
  add_api_options(*u, *update);
  u->add_option("--account", update->account, "Account id")->required();
  u->add_option("id", update->id, "Id or display name")->required();
  u->add_option("--etag", update->etag, "Update only if the current etag matches");
  add_resource_flags(*u, spec, *update_flags, false);
  u->callback([=, &exit_code] {
    auto body = build_body(*update_flags, credentials_path);
    if (!body.ok()) {
      exit_code = report_error(body.status());
      return;
    }
    exit_code = finish(
        *update, call_api(update->api, "PATCH", item_path(*update), *body, update->etag), kind);
  });

  auto remove = std::make_shared<ClientCommand>();
  CLI::App* d = group->add_subcommand(
      "delete", fmt::format("Delete a {} and its stored credentials", spec.noun));
  add_api_options(*d, *remove);
  d->add_option("--account", remove->account, "Account id")->required();
  d->add_option("id", remove->id, "Id or display name")->required();
  d->add_option("--etag", remove->etag, "Delete only if the current etag matches");
  d->callback([=, &exit_code] {
    exit_code = finish(
        *remove, call_api(remove->api, "DELETE", item_path(*remove), std::nullopt, remove->etag),
        kind);
  });
}

ResourceSpec connector_spec() {
  return ResourceSpec{
      "connector",
      "connectors",
      "connector",
      ResourceKind::kConnector,
      "auth.credentials",
      {{"--display-name", "display_name", "Display name, unique in the account"},
       {"--kind", "kind", "iceberg, delta, glue or unity"},
       {"--uri", "uri", "Endpoint of the upstream catalog"},
       {"--description", "description", "Free text"},
       {"--auth-scheme", "auth.scheme", "Authentication scheme, e.g. oauth2, aws-sigv4, none"}},
      {},
      {},
      {{"--property", "properties", "Connector property key=value (repeatable); no secrets"},
       {"--auth-property", "auth.properties", "Auth property key=value (repeatable); no secrets"},
       {"--header-hint", "auth.header_hints", "Header hint key=value (repeatable); no secrets"}},
      {"--display-name", "--kind", "--uri"},
      "bearer, client, cli, aws, aws-web-identity, aws-assume-role, token-exchange, "
      "token-exchange-entra, token-exchange-gcp"};
}

ResourceSpec storage_authority_spec() {
  return ResourceSpec{
      "storage-authority",
      "storage-authorities",
      "storage authority",
      ResourceKind::kStorageAuthority,
      "credentials",
      {{"--display-name", "display_name", "Display name, unique in the account"},
       {"--description", "description", "Free text"},
       {"--type", "type", "Storage type (s3)"},
       {"--location-prefix", "location_prefix", "Location prefix, e.g. s3://bucket/warehouse/"},
       {"--region", "region", "AWS region of the bucket"},
       {"--endpoint", "endpoint", "S3 endpoint URL, for S3-compatible stores"},
       {"--sts-endpoint", "sts_endpoint", "STS endpoint URL"},
       {"--assume-role-arn", "assume_role_arn", "Role assumed to mint client credentials"},
       {"--assume-role-external-id", "assume_role_external_id", "External id for AssumeRole"},
       {"--assume-role-session-name", "assume_role_session_name", "Session name for AssumeRole"}},
      {{"--enabled", "enabled", "true or false"},
       {"--path-style-access", "path_style_access", "true or false"}},
      {{"--duration-seconds", "duration_seconds", "Lifetime of minted credentials, 900..43200"}},
      {},
      {"--display-name", "--location-prefix"},
      "aws, aws-assume-role, aws-web-identity"};
}

void add_resolve_command(CLI::App& app, int& exit_code) {
  CLI::App* group = app.get_subcommand("storage-authority");
  auto options = std::make_shared<ClientCommand>();
  auto location = std::make_shared<std::string>();
  auto usage = std::make_shared<std::string>("client");
  auto access = std::make_shared<std::string>("read");
  CLI::App* r = group->add_subcommand(
      "resolve", "Find the storage authority covering a location and its client-safe config");
  add_api_options(*r, *options);
  r->add_option("--account", options->account, "Account id")->required();
  r->add_option("--location", *location, "Table or object location, e.g. s3://bucket/path")
      ->required();
  r->add_option("--usage", *usage, "client or server")
      ->check(CLI::IsMember({"client", "server"}))
      ->capture_default_str();
  r->add_option("--access", *access, "read or write")
      ->check(CLI::IsMember({"read", "write"}))
      ->capture_default_str();
  r->callback([=, &exit_code] {
    json body = {{"location", *location}, {"usage", *usage}, {"access", *access}};
    exit_code =
        finish(*options,
               call_api(options->api, "POST",
                        account_path(options->account) + "/storage-authorities:resolve", body),
               ResourceKind::kResolution);
  });
}

}  // namespace

void add_client_commands(CLI::App& app, int& exit_code) {
  add_account_commands(app, exit_code);
  add_resource_commands(app, connector_spec(), exit_code);
  add_resource_commands(app, storage_authority_spec(), exit_code);
  add_resolve_command(app, exit_code);
}

}  // namespace floecat::cli
