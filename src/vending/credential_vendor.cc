#include "vending/credential_vendor.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "aws/credential_chain.h"
#include "aws/crypto.h"
#include "aws/s3_client.h"
#include "aws/sts_client.h"
#include "core/ids.h"
#include "core/logging.h"

namespace floecat::vending {
namespace {

using nlohmann::json;

std::string string_field(const json& object, std::string_view field) {
  auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A short digest of a secret for cache keys; the secret itself never
// enters a key.
std::string fingerprint(std::string_view secret) {
  return aws::sha256_hex(std::string("floecat-cache-key:") + std::string(secret)).substr(0, 24);
}

std::int64_t to_ms(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

// Joins the parts of a cache key with a byte that no part contains.
std::string join_key(std::initializer_list<std::string_view> parts) {
  std::string key;
  for (std::string_view part : parts) {
    key.append(part);
    key.push_back('\x1f');
  }
  return key;
}

Result<SecretBytes> read_token_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return failed_precondition(
        fmt::format("cannot read the web identity token file {} named by "
                    "AWS_WEB_IDENTITY_TOKEN_FILE",
                    path));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  SecretBytes token(trim(text));
  secure_wipe(text.data(), text.size());
  return token;
}

}  // namespace

Result<std::unique_ptr<CredentialVendor>> CredentialVendor::create(
    VendorOptions options, AuthorityCredentialReader reader) {
  if (options.transport == nullptr) {
    return invalid_argument("the credential vendor needs an HTTP transport");
  }
  FLOECAT_ASSIGN_OR_RETURN(
      std::int64_t min_validity,
      options.config.get_int(kMinValidityKey, kDefaultMinValiditySeconds, 0, 3600));
  std::shared_ptr<aws::CredentialsProvider> ambient = options.ambient;
  if (ambient == nullptr) {
    FLOECAT_ASSIGN_OR_RETURN(StorageEndpoints defaults,
                             resolve_endpoints(json::object(), options.config, options.env));
    FLOECAT_ASSIGN_OR_RETURN(
        aws::ServiceEndpoint sts,
        aws::ServiceEndpoint::from_url(defaults.sts_url, kStsEndpointKey, defaults.region, "sts"));
    FLOECAT_ASSIGN_OR_RETURN(bool imds, options.config.get_bool(aws::kImdsEnabledKey, false));
    ambient = aws::default_credentials_chain(
        aws::ChainOptions{options.env, options.transport, std::move(sts), imds});
  }
  return std::unique_ptr<CredentialVendor>(new CredentialVendor(
      std::move(options), reader, std::chrono::seconds(min_validity), std::move(ambient)));
}

CredentialVendor::CredentialVendor(VendorOptions options,
                                   AuthorityCredentialReader reader,
                                   std::chrono::seconds min_validity,
                                   std::shared_ptr<aws::CredentialsProvider> ambient)
    : options_(std::move(options)),
      reader_(reader),
      cache_(*options_.clock, min_validity),
      ambient_(std::move(ambient)) {}

Result<aws::Credentials> CredentialVendor::call_assume_role(const Source& source,
                                                            const StorageEndpoints& endpoints,
                                                            const std::string& role_arn,
                                                            const std::string& session_name,
                                                            const std::string& external_id,
                                                            int duration_seconds,
                                                            const std::string& policy) {
  FLOECAT_ASSIGN_OR_RETURN(
      aws::ServiceEndpoint endpoint,
      aws::ServiceEndpoint::from_url(endpoints.sts_url, "sts_endpoint", endpoints.region, "sts"));
  aws::ServiceContext context;
  context.credentials = source.provider;
  context.transport = options_.transport;
  context.retry = options_.retry;
  aws::StsClient sts(std::move(endpoint), std::move(context));
  aws::AssumeRoleRequest request;
  request.role_arn = role_arn;
  request.role_session_name = session_name;
  request.external_id = external_id;
  request.duration_seconds = duration_seconds;
  request.policy = policy;
  ++assume_role_calls_;
  FLOECAT_ASSIGN_OR_RETURN(aws::AssumedRole role, sts.assume_role(request));
  return std::move(role.credentials);
}

Result<CredentialVendor::Source> CredentialVendor::source_for(std::string_view account_id,
                                                              const json& authority,
                                                              const StorageEndpoints& endpoints) {
  std::string authority_id = string_field(authority, "id");
  FLOECAT_ASSIGN_OR_RETURN(std::optional<catalog::AuthCredentials> stored,
                           reader_.read_authority_credentials(account_id, authority_id));
  if (!stored.has_value()) {
    return Source{ambient_, "ambient"};
  }
  const catalog::AuthCredentials& credentials = *stored;
  const std::string& type = credentials.type();
  if (type == "aws") {
    aws::Credentials keys;
    keys.access_key_id = std::string(credentials.field("access_key_id").value_or(""));
    keys.secret_access_key = SecretBytes(credentials.field("secret_access_key").value_or(""));
    keys.session_token = SecretBytes(credentials.field("session_token").value_or(""));
    keys.source = "storage authority " + authority_id;
    std::string identity =
        join_key({"aws", keys.access_key_id, fingerprint(keys.secret_access_key.expose())});
    return Source{std::make_shared<aws::StaticCredentialsProvider>(std::move(keys)), identity};
  }

  // A role in front of the authority's role: the source credentials are
  // themselves a role session, cached like any other.
  std::string source_role = std::string(credentials.field("role_arn").value_or(""));
  std::string session_name = std::string(credentials.field("role_session_name").value_or(""));
  if (session_name.empty()) {
    session_name = aws::session_name_for_account(account_id);
  }
  int duration = static_cast<int>(credentials.duration_seconds().value_or(0));
  if (type == "aws-assume-role") {
    std::string external_id = std::string(credentials.field("external_id").value_or(""));
    Source ambient{ambient_, "ambient"};
    std::string key =
        join_key({"source", "aws-assume-role", source_role, session_name, fingerprint(external_id),
                  std::to_string(duration), endpoints.sts_url, endpoints.region});
    FLOECAT_ASSIGN_OR_RETURN(aws::Credentials session, cache_.get_or_load(key, [&] {
      return call_assume_role(ambient, endpoints, source_role, session_name, external_id, duration,
                              "");
    }));
    return Source{std::make_shared<aws::StaticCredentialsProvider>(std::move(session)),
                  join_key({"aws-assume-role", source_role, fingerprint(external_id)})};
  }
  if (type == "aws-web-identity") {
    std::optional<std::string> token_file =
        options_.env ? options_.env("AWS_WEB_IDENTITY_TOKEN_FILE") : std::nullopt;
    if (!token_file.has_value() || token_file->empty()) {
      return failed_precondition(fmt::format(
          "storage authority {} uses aws-web-identity credentials, but AWS_WEB_IDENTITY_TOKEN_FILE "
          "is not set for the server",
          authority_id));
    }
    std::string key = join_key({"source", "aws-web-identity", source_role, session_name,
                                std::to_string(duration), endpoints.sts_url, endpoints.region});
    FLOECAT_ASSIGN_OR_RETURN(
        aws::Credentials session, cache_.get_or_load(key, [&]() -> Result<aws::Credentials> {
          FLOECAT_ASSIGN_OR_RETURN(SecretBytes token, read_token_file(*token_file));
          FLOECAT_ASSIGN_OR_RETURN(aws::ServiceEndpoint endpoint,
                                   aws::ServiceEndpoint::from_url(endpoints.sts_url, "sts_endpoint",
                                                                  endpoints.region, "sts"));
          aws::ServiceContext context;
          context.transport = options_.transport;
          context.retry = options_.retry;
          aws::StsClient sts(std::move(endpoint), std::move(context));
          ++assume_role_calls_;
          FLOECAT_ASSIGN_OR_RETURN(
              aws::AssumedRole role,
              sts.assume_role_with_web_identity(source_role, session_name, token, duration));
          return std::move(role.credentials);
        }));
    return Source{std::make_shared<aws::StaticCredentialsProvider>(std::move(session)),
                  join_key({"aws-web-identity", source_role})};
  }
  return failed_precondition(fmt::format(
      "storage authority {} has source credentials of type {}, which cannot sign AWS requests",
      authority_id, type));
}

Result<aws::Credentials> CredentialVendor::assume_scoped_role(std::string_view account_id,
                                                              const json& authority,
                                                              const StorageEndpoints& endpoints,
                                                              const catalog::Location& location,
                                                              Access access) {
  std::string role_arn = string_field(authority, "assume_role_arn");
  FLOECAT_ASSIGN_OR_RETURN(std::string policy,
                           build_session_policy(location, access, arn_partition(role_arn)));
  std::string session_name = string_field(authority, "assume_role_session_name");
  if (session_name.empty()) {
    session_name = aws::session_name_for_account(account_id);
  }
  std::string external_id = string_field(authority, "assume_role_external_id");
  int duration = authority.contains("duration_seconds") && authority["duration_seconds"].is_number()
                     ? authority["duration_seconds"].get<int>()
                     : 0;
  // The key names the authority and its record version rather than the
  // source keys, so a cache hit reads nothing from the secrets store. An
  // update of the authority (its credentials included) bumps the version.
  std::string version =
      authority.contains("version") ? authority["version"].dump() : std::string("unversioned");
  std::string key = join_key({"role", account_id, string_field(authority, "id"), version, role_arn,
                              fingerprint(external_id), session_name, policy, endpoints.region,
                              endpoints.sts_url, std::to_string(duration)});
  return cache_.get_or_load(key, [&]() -> Result<aws::Credentials> {
    FLOECAT_ASSIGN_OR_RETURN(Source source, source_for(account_id, authority, endpoints));
    Result<aws::Credentials> minted =
        call_assume_role(source, endpoints, role_arn, session_name, external_id, duration, policy);
    if (!minted.ok()) {
      // STS names the role, and the location identifies the session policy.
      return minted.status().with_context(
          fmt::format("minting credentials for {}", location.to_string()));
    }
    return minted;
  });
}

Result<json> CredentialVendor::mint(const catalog::MintRequest& request) {
  const json& authority = request.authority;
  std::string authority_id = string_field(authority, "id");
  if (string_field(authority, "assume_role_arn").empty()) {
    return failed_precondition(fmt::format(
        "storage authority {} has no assume_role_arn, so it cannot vend credentials for {}: "
        "floecat never hands an authority's source keys to clients. Set assume_role_arn to a "
        "role the source credentials may assume",
        authority_id, request.location.to_string()));
  }
  FLOECAT_ASSIGN_OR_RETURN(StorageEndpoints endpoints,
                           resolve_endpoints(authority, options_.config, options_.env));
  FLOECAT_ASSIGN_OR_RETURN(
      aws::Credentials credentials,
      assume_scoped_role(request.account_id, authority, endpoints, request.location,
                         request.write ? Access::kWrite : Access::kRead));
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty() ||
      credentials.session_token.empty() || !credentials.expiration.has_value()) {
    return internal_error(
        fmt::format("STS returned incomplete credentials for storage authority {}", authority_id));
  }

  std::int64_t expires_at_ms = to_ms(*credentials.expiration);
  json config = {
      {"s3.access-key-id", credentials.access_key_id},
      {"s3.secret-access-key", std::string(credentials.secret_access_key.expose())},
      {"s3.session-token", std::string(credentials.session_token.expose())},
      {"s3.session-token-expires-at-ms", std::to_string(expires_at_ms)},
      {"client.region", endpoints.region},
  };
  if (endpoints.custom_s3) {
    config["s3.endpoint"] = endpoints.s3_url;
  }
  if (endpoints.path_style || authority.contains("path_style_access")) {
    config["s3.path-style-access"] = endpoints.path_style ? "true" : "false";
  }
  // A trailing '/' keeps clients, which match prefixes as raw strings, from
  // using these credentials for sibling locations such as <table>_old.
  std::string prefix = request.location.to_string();
  if (!prefix.ends_with('/')) {
    prefix += "/";
  }
  return json{{"prefix", prefix}, {"config", std::move(config)}, {"expires_at_ms", expires_at_ms}};
}

Result<std::string> CredentialVendor::read_object(std::string_view account_id,
                                                  const json& authority,
                                                  const catalog::Location& object) {
  if (object.key_segments.empty()) {
    return invalid_argument(fmt::format("{} names a bucket, not an object", object.to_string()));
  }
  FLOECAT_ASSIGN_OR_RETURN(StorageEndpoints endpoints,
                           resolve_endpoints(authority, options_.config, options_.env));
  std::shared_ptr<aws::CredentialsProvider> provider;
  if (!string_field(authority, "assume_role_arn").empty()) {
    catalog::Location folder = object;
    folder.key_segments.pop_back();
    FLOECAT_ASSIGN_OR_RETURN(
        aws::Credentials session,
        assume_scoped_role(account_id, authority, endpoints, folder, Access::kRead));
    provider = std::make_shared<aws::StaticCredentialsProvider>(std::move(session));
  } else {
    FLOECAT_ASSIGN_OR_RETURN(Source source, source_for(account_id, authority, endpoints));
    provider = source.provider;
  }
  FLOECAT_ASSIGN_OR_RETURN(
      aws::ServiceEndpoint endpoint,
      aws::ServiceEndpoint::from_url(endpoints.s3_url, "endpoint", endpoints.region, "s3"));
  aws::ServiceContext context;
  context.credentials = std::move(provider);
  context.transport = options_.transport;
  context.retry = options_.retry;
  aws::S3Client s3(
      std::move(endpoint), std::move(context),
      endpoints.path_style ? aws::S3Addressing::kPathStyle : aws::S3Addressing::kVirtualHost);
  FLOECAT_ASSIGN_OR_RETURN(std::int64_t max_bytes,
                           options_.config.get_int(kMaxMetadataBytesKey, 16 << 20, 1024, 1 << 30));
  FLOECAT_ASSIGN_OR_RETURN(aws::S3Object read, s3.get_object(object.bucket, object.key(),
                                                             static_cast<std::size_t>(max_bytes)));
  return std::move(read.body);
}

}  // namespace floecat::vending
