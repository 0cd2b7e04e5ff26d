#include "vending/storage_endpoints.h"

#include <fmt/format.h>

#include "aws/s3_client.h"
#include "core/ids.h"

namespace floecat::vending {
namespace {

std::optional<std::string> non_blank(std::optional<std::string> value) {
  if (value.has_value() && is_blank(*value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> authority_string(const nlohmann::json& authority,
                                            std::string_view field) {
  auto it = authority.find(field);
  if (it == authority.end() || !it->is_string()) {
    return std::nullopt;
  }
  return non_blank(it->get<std::string>());
}

std::optional<std::string> env_value(const EnvLookup& env, const std::string& name) {
  return env ? non_blank(env(name)) : std::nullopt;
}

}  // namespace

Result<StorageEndpoints> resolve_endpoints(const nlohmann::json& authority,
                                           const Config& config,
                                           const EnvLookup& env) {
  StorageEndpoints endpoints;
  std::optional<std::string> region = authority_string(authority, "region");
  if (!region)
    region = non_blank(config.get(kRegionKey));
  if (!region)
    region = env_value(env, "AWS_REGION");
  if (!region)
    region = env_value(env, "AWS_DEFAULT_REGION");
  endpoints.region = region.value_or("us-east-1");

  std::optional<std::string> s3 = authority_string(authority, "endpoint");
  if (!s3)
    s3 = non_blank(config.get(kS3EndpointKey));
  if (!s3)
    s3 = env_value(env, "AWS_ENDPOINT_URL_S3");
  if (!s3)
    s3 = env_value(env, "AWS_ENDPOINT_URL");
  endpoints.custom_s3 = s3.has_value();
  endpoints.s3_url = s3.value_or(aws::default_s3_endpoint(endpoints.region));

  std::optional<std::string> sts = authority_string(authority, "sts_endpoint");
  if (!sts)
    sts = non_blank(config.get(kStsEndpointKey));
  if (!sts)
    sts = env_value(env, "AWS_ENDPOINT_URL_STS");
  if (!sts)
    sts = env_value(env, "AWS_ENDPOINT_URL");
  endpoints.sts_url = sts.value_or(fmt::format("https://sts.{}.amazonaws.com", endpoints.region));

  if (auto it = authority.find("path_style_access"); it != authority.end() && it->is_boolean()) {
    endpoints.path_style = it->get<bool>();
  } else {
    FLOECAT_ASSIGN_OR_RETURN(endpoints.path_style, config.get_bool(kPathStyleKey, false));
  }
  return endpoints;
}

}  // namespace floecat::vending
