#include "aws/policies.h"

#include <gtest/gtest.h>

namespace floecat::aws {
namespace {

PolicyInputs inputs() {
  PolicyInputs inputs;
  inputs.role_arn = "arn:aws:iam::123456789012:role/floecat-secrets";
  inputs.principal_arn = "arn:aws:iam::123456789012:role/floecat-service";
  inputs.region = "eu-west-1";
  inputs.aws_account_id = "123456789012";
  return inputs;
}

TEST(Policies, TrustPolicyLimitsTags) {
  auto policy = trust_policy(inputs());
  ASSERT_TRUE(policy.ok()) << policy.status();
  const auto& statement = (*policy)["Statement"][0];

  EXPECT_EQ((*policy)["Version"], "2012-10-17");
  EXPECT_EQ(statement["Principal"]["AWS"], "arn:aws:iam::123456789012:role/floecat-service");
  EXPECT_EQ(statement["Action"], nlohmann::json({"sts:AssumeRole", "sts:TagSession"}));
  EXPECT_EQ(statement["Condition"]["Null"]["aws:RequestTag/AccountId"], "false");
  EXPECT_EQ(statement["Condition"]["ForAllValues:StringEquals"]["aws:TagKeys"],
            nlohmann::json({"AccountId"}));
}

TEST(Policies, TrustPolicyNeedsPrincipal) {
  PolicyInputs missing = inputs();
  missing.principal_arn = "";
  EXPECT_EQ(trust_policy(missing).status().code(), StatusCode::kInvalidArgument);
  missing.principal_arn = "role/floecat";
  auto bad = trust_policy(missing);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("principal ARN"), std::string::npos);
}

TEST(Policies, PermissionsUsePrincipalTag) {
  auto policy = permissions_policy(inputs());
  ASSERT_TRUE(policy.ok());
  const auto& use = (*policy)["Statement"][0];
  const auto& create = (*policy)["Statement"][1];

  EXPECT_EQ(use["Resource"],
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:accounts/"
            "${aws:PrincipalTag/AccountId}/*");
  EXPECT_EQ(use["Condition"]["StringEquals"]["secretsmanager:ResourceTag/AccountId"],
            "${aws:PrincipalTag/AccountId}");
  EXPECT_EQ(create["Action"],
            nlohmann::json({"secretsmanager:CreateSecret", "secretsmanager:TagResource"}));
  EXPECT_EQ(create["Condition"]["StringEquals"]["aws:RequestTag/AccountId"],
            "${aws:PrincipalTag/AccountId}");
}

TEST(Policies, BasePolicyRoleMode) {
  auto policy = base_policy(inputs());
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ((*policy)["Statement"][0]["Resource"],
            "arn:aws:iam::123456789012:role/floecat-secrets");
  EXPECT_EQ((*policy)["Statement"][0]["Action"],
            nlohmann::json({"sts:AssumeRole", "sts:TagSession"}));
}

TEST(Policies, BasePolicyDirectMode) {
  PolicyInputs direct = inputs();
  direct.role_arn = "";
  auto policy = base_policy(direct);
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ((*policy)["Statement"][0]["Resource"],
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:accounts/*");
}

TEST(Policies, RoundTripsAsJson) {
  auto policy = permissions_policy(inputs());
  ASSERT_TRUE(policy.ok());
  auto parsed = nlohmann::json::parse(policy->dump(2), nullptr, false);
  EXPECT_FALSE(parsed.is_discarded());
  EXPECT_EQ(parsed, *policy);
}

TEST(ValidateArn, Shapes) {
  EXPECT_TRUE(validate_arn("f", "arn:aws:iam::123456789012:role/x").ok());
  EXPECT_TRUE(validate_arn("f", "arn:aws-cn:iam::1:user/u").ok());
  EXPECT_FALSE(validate_arn("f", "arn:aws:iam::123456789012:").ok());
  EXPECT_FALSE(validate_arn("f", "aws:iam::1:role/x").ok());
  EXPECT_FALSE(validate_arn("f", "").ok());
}

}  // namespace
}  // namespace floecat::aws
