#include "aws/credential_chain.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "aws/sts_client.h"
#include "core/ids.h"
#include "core/logging.h"

namespace floecat::aws {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kRemoteProviderTimeout{2000};

std::optional<std::string> non_empty(const EnvLookup& env, const char* name) {
  std::optional<std::string> value = env(name);
  if (value.has_value() && trim(*value).empty()) {
    return std::nullopt;
  }
  return value;
}

Result<std::string> read_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return failed_precondition(std::string(what) + " " + path + " cannot be read");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string home_path(const EnvLookup& env, const char* variable, const char* relative) {
  if (std::optional<std::string> explicit_path = non_empty(env, variable)) {
    return *explicit_path;
  }
  return env("HOME").value_or("") + relative;
}

// Parses the JSON of the container and instance metadata endpoints:
// AccessKeyId, SecretAccessKey, Token, Expiration.
Result<Credentials> parse_credentials_json(const WipingString& body, std::string_view source) {
  nlohmann::json json = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (!json.is_object() || !json.contains("AccessKeyId") || !json.contains("SecretAccessKey")) {
    return unavailable(std::string(source) +
                       " returned no AccessKeyId and SecretAccessKey in its JSON");
  }
  Credentials credentials;
  credentials.access_key_id = json["AccessKeyId"].get<std::string>();
  std::string& secret = json["SecretAccessKey"].get_ref<std::string&>();
  credentials.secret_access_key = SecretBytes(secret);
  secure_wipe(secret.data(), secret.size());
  if (json.contains("Token") && json["Token"].is_string()) {
    std::string& token = json["Token"].get_ref<std::string&>();
    credentials.session_token = SecretBytes(token);
    secure_wipe(token.data(), token.size());
  }
  if (json.contains("Expiration") && json["Expiration"].is_string()) {
    FLOECAT_ASSIGN_OR_RETURN(credentials.expiration,
                             parse_iso8601(json["Expiration"].get<std::string>()));
  }
  credentials.source = std::string(source);
  return credentials;
}

// Splits "scheme://host[:port]/path" into origin, host (without port) and path.
struct ParsedUrl {
  std::string scheme;
  std::string origin;
  std::string host;
  std::string path;
};

std::optional<ParsedUrl> parse_url(std::string_view url) {
  std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return std::nullopt;
  }
  ParsedUrl parsed;
  parsed.scheme = to_lower(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end + 3);
  std::size_t path_start = rest.find('/');
  std::string_view authority = rest.substr(0, path_start);
  parsed.origin = parsed.scheme + "://" + std::string(authority);
  parsed.path = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (!authority.empty() && authority.front() == '[') {
    parsed.host = std::string(authority.substr(0, authority.find(']') + 1));
  } else {
    parsed.host = std::string(authority.substr(0, authority.find(':')));
  }
  parsed.host = to_lower(parsed.host);
  return parsed;
}

}  // namespace

Result<Credentials> EnvironmentCredentialsProvider::credentials() {
  std::optional<std::string> key_id = non_empty(env_, "AWS_ACCESS_KEY_ID");
  std::optional<std::string> secret = non_empty(env_, "AWS_SECRET_ACCESS_KEY");
  if (!key_id && !secret) {
    return failed_precondition("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
  }
  if (!key_id || !secret) {
    return invalid_argument(std::string(key_id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") +
                            " is missing; set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  Credentials credentials;
  credentials.access_key_id = std::string(trim(*key_id));
  credentials.secret_access_key = SecretBytes(trim(*secret));
  secure_wipe(secret->data(), secret->size());
  if (std::optional<std::string> token = non_empty(env_, "AWS_SESSION_TOKEN")) {
    credentials.session_token = SecretBytes(trim(*token));
    secure_wipe(token->data(), token->size());
  }
  credentials.source = "environment";
  return credentials;
}

Result<std::map<std::string, std::map<std::string, std::string>>> parse_aws_ini(
    std::string_view text, std::string_view origin) {
  std::map<std::string, std::map<std::string, std::string>> sections;
  std::string current;
  bool in_section = false;
  int line_number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    ++line_number;
    if (line.empty() || line.front() == '#' || line.front() == ';') {
      continue;
    }
    if (line.front() == '[') {
      if (line.back() != ']') {
        return invalid_argument(std::string(origin) + " line " + std::to_string(line_number) +
                                ": a section header must end with ']'");
      }
      current = std::string(trim(line.substr(1, line.size() - 2)));
      in_section = true;
      sections[current];
      continue;
    }
    std::size_t equals = line.find('=');
    if (equals == std::string_view::npos || !in_section) {
      return invalid_argument(std::string(origin) + " line " + std::to_string(line_number) +
                              ": expected 'key = value' inside a [section]");
    }
    sections[current][to_lower(trim(line.substr(0, equals)))] =
        std::string(trim(line.substr(equals + 1)));
  }
  return sections;
}

Result<Credentials> ProfileCredentialsProvider::credentials() {
  std::string profile = non_empty(env_, "AWS_PROFILE").value_or("default");
  std::string credentials_path =
      home_path(env_, "AWS_SHARED_CREDENTIALS_FILE", "/.aws/credentials");
  std::string config_path = home_path(env_, "AWS_CONFIG_FILE", "/.aws/config");

  std::optional<std::map<std::string, std::string>> section;
  std::string origin;
  Result<std::string> credentials_text = read_file(credentials_path, "credentials file");
  if (credentials_text.ok()) {
    FLOECAT_ASSIGN_OR_RETURN(auto sections, parse_aws_ini(*credentials_text, credentials_path));
    if (auto it = sections.find(profile); it != sections.end()) {
      section = it->second;
      origin = credentials_path;
    }
  }
  if (!section.has_value()) {
    Result<std::string> config_text = read_file(config_path, "config file");
    if (config_text.ok()) {
      FLOECAT_ASSIGN_OR_RETURN(auto sections, parse_aws_ini(*config_text, config_path));
      std::string name = profile == "default" ? "default" : "profile " + profile;
      if (auto it = sections.find(name); it != sections.end()) {
        section = it->second;
        origin = config_path;
      }
    }
  }
  if (!section.has_value()) {
    return failed_precondition("AWS profile '" + profile + "' is not in " + credentials_path +
                               " or " + config_path);
  }

  auto key_id = section->find("aws_access_key_id");
  auto secret = section->find("aws_secret_access_key");
  if (key_id == section->end() || secret == section->end()) {
    if (section->count("role_arn") || section->count("sso_session") ||
        section->count("credential_process")) {
      return failed_precondition("AWS profile '" + profile + "' in " + origin +
                                 " uses role_arn, SSO or credential_process, which floecat "
                                 "does not support; give it static keys");
    }
    return invalid_argument("AWS profile '" + profile + "' in " + origin +
                            " lacks aws_access_key_id or aws_secret_access_key");
  }
  Credentials credentials;
  credentials.access_key_id = key_id->second;
  credentials.secret_access_key = SecretBytes(secret->second);
  secure_wipe(secret->second.data(), secret->second.size());
  if (auto token = section->find("aws_session_token"); token != section->end()) {
    credentials.session_token = SecretBytes(token->second);
    secure_wipe(token->second.data(), token->second.size());
  }
  credentials.source = "profile " + profile;
  return credentials;
}

WebIdentityCredentialsProvider::WebIdentityCredentialsProvider(
    EnvLookup env, ServiceEndpoint sts_endpoint, std::shared_ptr<HttpTransport> transport)
    : env_(std::move(env)),
      sts_endpoint_(std::move(sts_endpoint)),
      transport_(std::move(transport)) {}

Result<Credentials> WebIdentityCredentialsProvider::credentials() {
  std::optional<std::string> token_file = non_empty(env_, "AWS_WEB_IDENTITY_TOKEN_FILE");
  std::optional<std::string> role_arn = non_empty(env_, "AWS_ROLE_ARN");
  if (!token_file || !role_arn) {
    return failed_precondition("AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not both set");
  }
  Result<std::string> token_text = read_file(*token_file, "web identity token file");
  if (!token_text.ok()) {
    return invalid_argument(token_text.status().message() +
                            " (AWS_WEB_IDENTITY_TOKEN_FILE); check the path and permissions");
  }
  SecretBytes token(trim(*token_text));
  secure_wipe(token_text->data(), token_text->size());
  if (token.empty()) {
    return invalid_argument("web identity token file " + *token_file + " is empty");
  }
  std::string session_name =
      non_empty(env_, "AWS_ROLE_SESSION_NAME").value_or("floecat-web-identity");

  ServiceContext context;
  context.transport = transport_;
  context.retry.deadline = milliseconds(10000);
  StsClient sts(sts_endpoint_, context);
  FLOECAT_ASSIGN_OR_RETURN(AssumedRole role,
                           sts.assume_role_with_web_identity(*role_arn, session_name, token));
  return std::move(role.credentials);
}

bool is_allowed_container_host(std::string_view host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]" ||
         host == "169.254.170.2" || host == "169.254.170.23" || host == "[fd00:ec2::23]";
}

Result<Credentials> ContainerCredentialsProvider::credentials() {
  std::string url;
  if (std::optional<std::string> relative =
          non_empty(env_, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    url = "http://169.254.170.2" + *relative;
  } else if (std::optional<std::string> full =
                 non_empty(env_, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    url = *full;
  } else {
    return failed_precondition(
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
        "AWS_CONTAINER_CREDENTIALS_FULL_URI are not set");
  }
  std::optional<ParsedUrl> parsed = parse_url(url);
  if (!parsed || (parsed->scheme != "http" && parsed->scheme != "https")) {
    return invalid_argument("AWS_CONTAINER_CREDENTIALS_FULL_URI '" + url +
                            "' is not an http or https URL");
  }
  if (!is_allowed_container_host(parsed->host)) {
    return invalid_argument("AWS_CONTAINER_CREDENTIALS_FULL_URI host '" + parsed->host +
                            "' is not allowed; use loopback, 169.254.170.2 or 169.254.170.23");
  }

  HttpRequest request;
  request.method = "GET";
  request.origin = parsed->origin;
  request.path = parsed->path;
  std::optional<std::string> authorization = non_empty(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
  if (!authorization) {
    if (std::optional<std::string> file =
            non_empty(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
      FLOECAT_ASSIGN_OR_RETURN(std::string text, read_file(*file, "container authorization file"));
      authorization = std::string(trim(text));
      secure_wipe(text.data(), text.size());
    }
  }
  if (authorization) {
    request.headers.emplace_back("Authorization", *authorization);
    secure_wipe(authorization->data(), authorization->size());
  }

  FLOECAT_ASSIGN_OR_RETURN(HttpResponse response,
                           transport_->send(request, kRemoteProviderTimeout));
  if (response.status != 200) {
    return unavailable("container credentials endpoint " + parsed->origin + " returned HTTP " +
                       std::to_string(response.status));
  }
  return parse_credentials_json(response.body, "container endpoint " + parsed->origin);
}

Result<Credentials> ImdsCredentialsProvider::credentials() {
  if (!enabled_) {
    return failed_precondition(std::string("the EC2 instance metadata provider is off; set ") +
                               std::string(kImdsEnabledKey) + "=true to use it");
  }
  // IMDSv2: a session token first, then the role name, then its credentials.
  const std::string origin = "http://169.254.169.254";
  HttpRequest token_request;
  token_request.method = "PUT";
  token_request.origin = origin;
  token_request.path = "/latest/api/token";
  token_request.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
  FLOECAT_ASSIGN_OR_RETURN(HttpResponse token,
                           transport_->send(token_request, kRemoteProviderTimeout));
  if (token.status != 200) {
    return unavailable("instance metadata token request returned HTTP " +
                       std::to_string(token.status));
  }
  std::string token_value(token.body.begin(), token.body.end());

  HttpRequest role_request;
  role_request.method = "GET";
  role_request.origin = origin;
  role_request.path = "/latest/meta-data/iam/security-credentials/";
  role_request.headers = {{"X-aws-ec2-metadata-token", token_value}};
  FLOECAT_ASSIGN_OR_RETURN(HttpResponse role,
                           transport_->send(role_request, kRemoteProviderTimeout));
  std::string role_name(trim(std::string_view(role.body.data(), role.body.size())));
  if (role.status != 200 || role_name.empty()) {
    return unavailable("instance metadata lists no IAM role (HTTP " + std::to_string(role.status) +
                       ")");
  }

  HttpRequest credentials_request = role_request;
  credentials_request.path += uri_encode(role_name, false);
  FLOECAT_ASSIGN_OR_RETURN(HttpResponse credentials,
                           transport_->send(credentials_request, kRemoteProviderTimeout));
  secure_wipe(token_value.data(), token_value.size());
  if (credentials.status != 200) {
    return unavailable("instance metadata credentials returned HTTP " +
                       std::to_string(credentials.status));
  }
  return parse_credentials_json(credentials.body, "instance metadata");
}

CredentialsChain::CredentialsChain(std::vector<std::shared_ptr<CredentialsProvider>> providers,
                                   const Clock* clock)
    : providers_(std::move(providers)), clock_(clock) {}

Result<Credentials> CredentialsChain::credentials() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (cached_.has_value() && !cached_->expires_before(clock_->now(), std::chrono::seconds(300))) {
    return cached_->clone();
  }
  if (chosen_.has_value()) {
    FLOECAT_ASSIGN_OR_RETURN(Credentials refreshed, providers_[*chosen_]->credentials());
    cached_ = std::move(refreshed);
    return cached_->clone();
  }

  std::string tried;
  for (std::size_t i = 0; i < providers_.size(); ++i) {
    Result<Credentials> result = providers_[i]->credentials();
    if (result.ok()) {
      chosen_ = i;
      logger().info("AWS credentials from {} (access key id {})", result->source,
                    result->access_key_id);
      cached_ = std::move(*result);
      return cached_->clone();
    }
    if (result.status().code() != StatusCode::kFailedPrecondition) {
      return result.status().with_context(std::string("AWS ") + std::string(providers_[i]->name()) +
                                          " credentials");
    }
    tried += "\n  " + std::string(providers_[i]->name()) + ": " + result.status().message();
  }
  return failed_precondition("no AWS credentials found; tried:" + tried);
}

void CredentialsChain::invalidate() {
  std::lock_guard<std::mutex> lock(mutex_);
  cached_.reset();
}

std::shared_ptr<CredentialsProvider> default_credentials_chain(const ChainOptions& options) {
  std::vector<std::shared_ptr<CredentialsProvider>> providers = {
      std::make_shared<EnvironmentCredentialsProvider>(options.env),
      std::make_shared<WebIdentityCredentialsProvider>(options.env, options.sts_endpoint,
                                                       options.transport),
      std::make_shared<ProfileCredentialsProvider>(options.env),
      std::make_shared<ContainerCredentialsProvider>(options.env, options.transport),
      std::make_shared<ImdsCredentialsProvider>(options.imds_enabled, options.transport),
  };
  return std::make_shared<CredentialsChain>(std::move(providers));
}

}  // namespace floecat::aws
