#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "core/result.h"

namespace floecat::vending {

inline constexpr std::string_view kS3EndpointKey = "floecat.storage.aws.s3-endpoint";
inline constexpr std::string_view kStsEndpointKey = "floecat.storage.aws.sts-endpoint";
inline constexpr std::string_view kRegionKey = "floecat.storage.aws.region";
inline constexpr std::string_view kPathStyleKey = "floecat.storage.aws.path-style-access";

// Where one storage authority's S3 and STS are reached.
struct StorageEndpoints {
  std::string region;
  std::string s3_url;
  std::string sts_url;
  // True when s3_url is not AWS's regional default, so clients must be
  // told about it (s3.endpoint).
  bool custom_s3 = false;
  bool path_style = false;
};

// Resolves the endpoints of an authority (the stored JSON). Each URL comes
// from the first that is set of: the authority's own `endpoint` /
// `sts_endpoint`; floecat.storage.aws.s3-endpoint / sts-endpoint;
// AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_STS; AWS_ENDPOINT_URL; AWS's
// regional default. The region comes from the authority, then
// floecat.storage.aws.region, AWS_REGION, AWS_DEFAULT_REGION, us-east-1.
// Path style comes from the authority's path_style_access, then
// floecat.storage.aws.path-style-access, default false.
// Errors: kInvalidArgument naming the config key with a bad value.
Result<StorageEndpoints> resolve_endpoints(const nlohmann::json& authority,
                                           const Config& config,
                                           const EnvLookup& env);

}  // namespace floecat::vending
