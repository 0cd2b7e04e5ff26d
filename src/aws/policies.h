#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace floecat::aws {

// The ARNs and scope the IAM policy documents are built from.
struct PolicyInputs {
  // The role floecat assumes per account (role mode); empty in direct mode.
  std::string role_arn;
  // The principal floecat runs as, allowed to assume the role.
  std::string principal_arn;
  // Region and AWS account of the secrets; "*" is allowed for either.
  std::string region = "*";
  std::string aws_account_id = "*";
};

// Checks that `arn` looks like "arn:<partition>:<service>:<region>:<account>:<resource>".
// `field` names the option in the error.
Status validate_arn(std::string_view field, std::string_view arn);

// The policy for floecat's own identity. In role mode it allows assuming the
// role with session tags and listing secrets for readiness checks. In direct
// mode it allows managing the secrets under accounts/.
// Errors: kInvalidArgument when role_arn is set but not an ARN.
Result<nlohmann::json> base_policy(const PolicyInputs& inputs);

// The trust policy of the role: principal_arn may call sts:AssumeRole and
// sts:TagSession only when the request carries an AccountId session tag
// and no other tag keys.
// Errors: kInvalidArgument when principal_arn is missing or not an ARN.
Result<nlohmann::json> trust_policy(const PolicyInputs& inputs);

// The role's attribute-based permissions: a session reaches only secrets
// named accounts/<its AccountId tag>/ whose AccountId tag equals its own,
// and may create or tag secrets only with that same tag.
// NOTE: the resource pattern uses the raw tag value, so it matches only
// account ids that SecretKey leaves unescaped (letters, digits, '-', '.', '_').
Result<nlohmann::json> permissions_policy(const PolicyInputs& inputs);

}  // namespace floecat::aws
