#include "aws/policies.h"

#include <vector>

namespace floecat::aws {
namespace {

using nlohmann::json;

constexpr char kVersion[] = "2012-10-17";
constexpr char kOwnAccountTag[] = "${aws:PrincipalTag/AccountId}";

std::string partition_of(const PolicyInputs& inputs) {
  for (const std::string* arn : {&inputs.role_arn, &inputs.principal_arn}) {
    if (arn->rfind("arn:", 0) == 0) {
      std::size_t end = arn->find(':', 4);
      return arn->substr(4, end - 4);
    }
  }
  return "aws";
}

std::string secret_arn(const PolicyInputs& inputs, std::string_view name_pattern) {
  return "arn:" + partition_of(inputs) + ":secretsmanager:" + inputs.region + ":" +
         inputs.aws_account_id + ":secret:" + std::string(name_pattern);
}

json document(json statements) {
  return {{"Version", kVersion}, {"Statement", statements}};
}

}  // namespace

Status validate_arn(std::string_view field, std::string_view arn) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (parts.size() < 5) {
    std::size_t colon = arn.find(':', start);
    if (colon == std::string_view::npos) {
      break;
    }
    parts.push_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  if (parts.size() < 5 || parts[0] != "arn" || parts[1].empty() || parts[2].empty() ||
      start >= arn.size()) {
    return invalid_argument(std::string(field) +
                            " must be an ARN such as "
                            "arn:aws:iam::123456789012:role/name, got '" +
                            std::string(arn) + "'");
  }
  return Status::ok_status();
}

Result<json> base_policy(const PolicyInputs& inputs) {
  if (inputs.role_arn.empty()) {
    return document(json::array({
        {{"Sid", "ManageAccountSecrets"},
         {"Effect", "Allow"},
         {"Action",
          {"secretsmanager:CreateSecret", "secretsmanager:GetSecretValue",
           "secretsmanager:PutSecretValue", "secretsmanager:DeleteSecret",
           "secretsmanager:RestoreSecret", "secretsmanager:TagResource",
           "secretsmanager:DescribeSecret"}},
         {"Resource", secret_arn(inputs, "accounts/*")}},
        {{"Sid", "ListSecrets"},
         {"Effect", "Allow"},
         {"Action", "secretsmanager:ListSecrets"},
         {"Resource", "*"}},
    }));
  }
  FLOECAT_RETURN_IF_ERROR(validate_arn("role ARN", inputs.role_arn));
  return document(json::array({
      {{"Sid", "AssumeSecretsRole"},
       {"Effect", "Allow"},
       {"Action", {"sts:AssumeRole", "sts:TagSession"}},
       {"Resource", inputs.role_arn}},
      {{"Sid", "ReadinessCheck"},
       {"Effect", "Allow"},
       {"Action", "secretsmanager:ListSecrets"},
       {"Resource", "*"}},
  }));
}

Result<json> trust_policy(const PolicyInputs& inputs) {
  if (inputs.principal_arn.empty()) {
    return invalid_argument("the trust policy needs the principal ARN floecat runs as");
  }
  FLOECAT_RETURN_IF_ERROR(validate_arn("principal ARN", inputs.principal_arn));
  return document(json::array({
      {{"Sid", "FloecatAssumesWithAccountTag"},
       {"Effect", "Allow"},
       {"Principal", {{"AWS", inputs.principal_arn}}},
       {"Action", {"sts:AssumeRole", "sts:TagSession"}},
       {"Condition",
        {{"Null", {{"aws:RequestTag/AccountId", "false"}}},
         {"ForAllValues:StringEquals", {{"aws:TagKeys", {"AccountId"}}}}}}},
  }));
}

Result<json> permissions_policy(const PolicyInputs& inputs) {
  std::string own_secrets = secret_arn(inputs, std::string("accounts/") + kOwnAccountTag + "/*");
  return document(json::array({
      {{"Sid", "UseOwnAccountSecrets"},
       {"Effect", "Allow"},
       {"Action",
        {"secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue",
         "secretsmanager:DescribeSecret", "secretsmanager:DeleteSecret",
         "secretsmanager:RestoreSecret"}},
       {"Resource", own_secrets},
       {"Condition",
        {{"StringEquals", {{"secretsmanager:ResourceTag/AccountId", kOwnAccountTag}}}}}},
      {{"Sid", "CreateAndTagOwnAccountSecrets"},
       {"Effect", "Allow"},
       {"Action", {"secretsmanager:CreateSecret", "secretsmanager:TagResource"}},
       {"Resource", own_secrets},
       {"Condition",
        {{"StringEquals", {{"aws:RequestTag/AccountId", kOwnAccountTag}}},
         {"ForAllValues:StringEquals", {{"aws:TagKeys", {"AccountId"}}}}}}},
      {{"Sid", "ListSecrets"},
       {"Effect", "Allow"},
       {"Action", "secretsmanager:ListSecrets"},
       {"Resource", "*"}},
  }));
}

}  // namespace floecat::aws
