#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.h"
#include "aws/service_client.h"
#include "core/result.h"

namespace floecat::aws {

struct AssumeRoleRequest {
  std::string role_arn;
  std::string role_session_name;
  // Session tags, sent as Tags.member.N.Key / .Value.
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<std::string> transitive_tag_keys;
  std::string external_id;
  // 900-43200; 0 leaves it to STS (3600).
  int duration_seconds = 0;
  // An inline session policy (JSON); empty for none.
  std::string policy;
};

struct AssumedRole {
  Credentials credentials;
  std::string assumed_role_arn;
  std::string assumed_role_id;
  std::optional<int> packed_policy_size;
  std::string request_id;
};

struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
};

// Parses an AssumeRole or AssumeRoleWithWebIdentity success body. Elements
// are found by name in any order and their text trimmed (emulators put
// newlines inside SessionToken). Errors: kUnavailable when Credentials or
// one of its fields is missing, or Expiration is not an ISO 8601 time.
Result<AssumedRole> parse_assume_role_response(std::string_view xml);

Result<CallerIdentity> parse_caller_identity_response(std::string_view xml);

// Parses "2019-11-09T13:34:41Z" (fractional seconds allowed). Errors:
// kUnavailable for another form, another time zone, or a field out of range
// (a year outside 1900 to 2200, month 13, hour 24 and so on).
Result<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text);

// Derives a RoleSessionName from an account id: "floecat-" plus the id with
// every character outside STS's set [A-Za-z0-9_+=,.@-] turned into '-',
// cut to 64 characters.
std::string session_name_for_account(std::string_view account_id);

// Checks AssumeRole parameters before the call; the error names the field
// and the rule.
Status validate_assume_role_request(const AssumeRoleRequest& request);

// A client for AWS STS over the Query protocol (form-encoded POST, XML
// responses). STS errors become Status values whose messages say what to fix:
// AccessDenied names the role and the trust policy, PackedPolicyTooLarge,
// MalformedPolicyDocument, RegionDisabledException and ExpiredToken each
// have their own text. Thread-safe.
class StsClient {
 public:
  StsClient(ServiceEndpoint endpoint, ServiceContext context);

  Result<AssumedRole> assume_role(const AssumeRoleRequest& request) const;
  // Sent unsigned: the web identity token is the credential.
  Result<AssumedRole> assume_role_with_web_identity(std::string_view role_arn,
                                                    std::string_view session_name,
                                                    const SecretBytes& web_identity_token,
                                                    int duration_seconds = 0) const;
  Result<CallerIdentity> get_caller_identity() const;

 private:
  ServiceClient client_;
  ServiceClient anonymous_client_;
};

// Credentials of one role session, cached until five minutes before they
// expire. The caller that finds them stale refreshes them while the other
// callers wait for its result, so a burst makes one AssumeRole call.
class AssumeRoleCredentialsProvider final : public CredentialsProvider {
 public:
  AssumeRoleCredentialsProvider(std::shared_ptr<const StsClient> sts,
                                AssumeRoleRequest request,
                                const Clock* clock = &SystemClock::instance());

  Result<Credentials> credentials() override;

  std::string_view name() const override { return "assume-role"; }

  void invalidate() override;

  // How many AssumeRole calls this provider has made.
  int assume_role_calls() const;

  static constexpr std::chrono::seconds kRefreshMargin{300};

 private:
  std::shared_ptr<const StsClient> sts_;
  AssumeRoleRequest request_;
  const Clock* clock_;
  mutable std::mutex mutex_;
  std::optional<Credentials> cached_;
  int calls_ = 0;
};

}  // namespace floecat::aws
