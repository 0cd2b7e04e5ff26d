#include "vending/storage_endpoints.h"

#include <map>

#include <gtest/gtest.h>

namespace floecat::vending {
namespace {

using nlohmann::json;

EnvLookup env_of(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

Config config_of(std::map<std::string, std::string> overrides) {
  Result<Config> config = Config::load(std::move(overrides), env_of({}), std::nullopt);
  EXPECT_TRUE(config.ok());
  return *config;
}

TEST(StorageEndpoints, RegionalDefaults) {
  Result<StorageEndpoints> endpoints =
      resolve_endpoints(json{{"region", "eu-west-1"}}, config_of({}), env_of({}));
  ASSERT_TRUE(endpoints.ok());
  EXPECT_EQ(endpoints->region, "eu-west-1");
  EXPECT_EQ(endpoints->s3_url, "https://s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(endpoints->sts_url, "https://sts.eu-west-1.amazonaws.com");
  EXPECT_FALSE(endpoints->custom_s3);
  EXPECT_FALSE(endpoints->path_style);
}

TEST(StorageEndpoints, AuthorityWinsOverConfigAndEnvironment) {
  json authority = {{"endpoint", "http://127.0.0.1:1/s3"},
                    {"sts_endpoint", "http://127.0.0.1:1/sts"},
                    {"path_style_access", false}};
  Result<StorageEndpoints> endpoints =
      resolve_endpoints(authority,
                        config_of({{std::string(kS3EndpointKey), "http://127.0.0.1:2"},
                                   {std::string(kStsEndpointKey), "http://127.0.0.1:2"},
                                   {std::string(kPathStyleKey), "true"}}),
                        env_of({{"AWS_ENDPOINT_URL", "http://127.0.0.1:3"}}));
  ASSERT_TRUE(endpoints.ok());
  EXPECT_EQ(endpoints->s3_url, "http://127.0.0.1:1/s3");
  EXPECT_EQ(endpoints->sts_url, "http://127.0.0.1:1/sts");
  EXPECT_TRUE(endpoints->custom_s3);
  EXPECT_FALSE(endpoints->path_style);
}

TEST(StorageEndpoints, ConfigWinsOverEnvironment) {
  Result<StorageEndpoints> endpoints =
      resolve_endpoints(json::object(),
                        config_of({{std::string(kS3EndpointKey), "http://127.0.0.1:2"},
                                   {std::string(kPathStyleKey), "true"}}),
                        env_of({{"AWS_ENDPOINT_URL_S3", "http://127.0.0.1:3"},
                                {"AWS_ENDPOINT_URL_STS", "http://127.0.0.1:4"},
                                {"AWS_REGION", "ap-south-1"}}));
  ASSERT_TRUE(endpoints.ok());
  EXPECT_EQ(endpoints->s3_url, "http://127.0.0.1:2");
  EXPECT_EQ(endpoints->sts_url, "http://127.0.0.1:4");
  EXPECT_EQ(endpoints->region, "ap-south-1");
  EXPECT_TRUE(endpoints->path_style);
}

TEST(StorageEndpoints, ServiceVariableWinsOverGeneralOne) {
  Result<StorageEndpoints> endpoints =
      resolve_endpoints(json::object(), config_of({}),
                        env_of({{"AWS_ENDPOINT_URL", "http://127.0.0.1:5"},
                                {"AWS_ENDPOINT_URL_S3", "http://127.0.0.1:6"},
                                {"AWS_DEFAULT_REGION", "us-west-2"}}));
  ASSERT_TRUE(endpoints.ok());
  EXPECT_EQ(endpoints->s3_url, "http://127.0.0.1:6");
  EXPECT_EQ(endpoints->sts_url, "http://127.0.0.1:5");
  EXPECT_EQ(endpoints->region, "us-west-2");
}

TEST(StorageEndpoints, BadPathStyleSettingNamesTheKey) {
  Result<StorageEndpoints> endpoints = resolve_endpoints(
      json::object(), config_of({{std::string(kPathStyleKey), "maybe"}}), env_of({}));
  ASSERT_FALSE(endpoints.ok());
  EXPECT_NE(endpoints.status().message().find(std::string(kPathStyleKey)), std::string::npos);
}

}  // namespace
}  // namespace floecat::vending
