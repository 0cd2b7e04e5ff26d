#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/service_client.h"
#include "core/result.h"
#include "core/secret_bytes.h"

namespace floecat::aws {

using Tags = std::map<std::string, std::string>;

struct SecretVersion {
  std::string name;
  std::string version_id;
};

// The value of GetSecretValue. Exactly one of the two fields is set.
struct SecretValue {
  std::string name;
  std::string version_id;
  std::optional<SecretBytes> secret_binary;
  std::optional<SecretBytes> secret_string;
};

struct SecretDescription {
  std::string name;
  std::string arn;
  // Set when the secret is scheduled for deletion (epoch seconds).
  std::optional<double> deleted_date;
  Tags tags;
};

struct SecretListEntry {
  std::string name;
  Tags tags;
};

struct ListSecretsFilter {
  std::optional<std::string> tag_key;
  std::optional<std::string> tag_value;
  // Secrets Manager matches "name" filters as prefixes.
  std::optional<std::string> name_prefix;
  // Pages to fetch at most; 0 follows NextToken to the end.
  int max_pages = 0;
};

// A client for AWS Secrets Manager over JSON 1.1 (POST / with
// "X-Amz-Target: secretsmanager.<Operation>"). Each method returns the
// parsed output, or a Status as ServiceClient::call describes; when the
// service returned an error and `error` is not null, the AWS error
// (code, message, request id) is stored there. Thread-safe.
class SecretsManagerClient {
 public:
  SecretsManagerClient(ServiceEndpoint endpoint, ServiceContext context);

  Result<SecretVersion> create_secret(std::string_view name,
                                      const SecretBytes& secret_binary,
                                      const Tags& tags,
                                      AwsError* error = nullptr) const;
  Result<SecretValue> get_secret_value(std::string_view secret_id, AwsError* error = nullptr) const;
  Result<SecretVersion> put_secret_value(std::string_view secret_id,
                                         const SecretBytes& secret_binary,
                                         AwsError* error = nullptr) const;
  // Deletes with a recovery window of `recovery_window_days`, or at once
  // when `force` is true.
  Status delete_secret(std::string_view secret_id,
                       int recovery_window_days,
                       bool force,
                       AwsError* error = nullptr) const;
  Status restore_secret(std::string_view secret_id, AwsError* error = nullptr) const;
  Status tag_resource(std::string_view secret_id,
                      const Tags& tags,
                      AwsError* error = nullptr) const;
  Result<SecretDescription> describe_secret(std::string_view secret_id,
                                            AwsError* error = nullptr) const;
  // Lists every page, following NextToken.
  Result<std::vector<SecretListEntry>> list_secrets(const ListSecretsFilter& filter,
                                                    AwsError* error = nullptr) const;

  const ServiceEndpoint& endpoint() const { return client_.endpoint(); }

 private:
  CallOutcome invoke(std::string_view operation, WipingString body) const;

  ServiceClient client_;
};

}  // namespace floecat::aws
