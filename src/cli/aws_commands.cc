#include "cli/aws_commands.h"

#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "aws/policies.h"
#include "cli/store_options.h"
#include "secrets/check.h"

namespace floecat::cli {
namespace {

struct CheckOptions {
  StoreOptions store;
  std::string account;
  std::string other_account;
  std::string output = "table";
};

struct PolicyOptions {
  StoreOptions store;
  aws::PolicyInputs inputs;
};

Result<bool> run_check(const CheckOptions& options) {
  FLOECAT_ASSIGN_OR_RETURN(Config config, load_config(options.store));
  FLOECAT_ASSIGN_OR_RETURN(auto store_options,
                           secrets::aws_store_options_from_config(config, process_env()));
  FLOECAT_ASSIGN_OR_RETURN(auto store, secrets::AwsSecretsStore::create(std::move(store_options)));
  if (!options.other_account.empty() && !store->role_mode()) {
    return invalid_argument(
        fmt::format("--other-account tests the ABAC fence, which needs role mode; set {}",
                    secrets::kAwsRoleArnKey));
  }

  secrets::CheckReport report =
      secrets::run_secrets_check(*store, options.account, options.other_account);
  if (options.output == "json") {
    std::cout << report.to_json().dump(2) << "\n";
  } else {
    std::cout << report.to_text();
  }
  return report.ok();
}

// Fills the role ARN from config when --role-arn is not given.
Status complete_inputs(PolicyOptions& options) {
  if (options.inputs.role_arn.empty()) {
    FLOECAT_ASSIGN_OR_RETURN(Config config, load_config(options.store));
    options.inputs.role_arn = config.get_string(secrets::kAwsRoleArnKey, "");
  }
  return Status::ok_status();
}

int print_policy(PolicyOptions& options,
                 Result<nlohmann::json> (*build)(const aws::PolicyInputs&)) {
  Status completed = complete_inputs(options);
  if (!completed.ok()) {
    return report_error(completed);
  }
  Result<nlohmann::json> policy = build(options.inputs);
  if (!policy.ok()) {
    return report_error(policy.status());
  }
  std::cout << policy->dump(2) << "\n";
  return 0;
}

void add_policy_options(CLI::App& command, PolicyOptions& options) {
  add_store_options(command, options.store);
  command.add_option("--role-arn", options.inputs.role_arn,
                     "Role assumed per account (default: floecat.secrets.aws.role-arn)");
  command.add_option("--principal-arn", options.inputs.principal_arn,
                     "ARN of the IAM user or role floecat runs as");
  command.add_option("--region", options.inputs.region, "Region of the secrets, or *")
      ->capture_default_str();
  command
      .add_option("--aws-account-id", options.inputs.aws_account_id,
                  "AWS account that holds the secrets, or *")
      ->capture_default_str();
}

}  // namespace

void add_aws_commands(CLI::App& app, CLI::App& secrets_command, int& exit_code) {
  auto check_options = std::make_shared<CheckOptions>();
  CLI::App* check = secrets_command.add_subcommand(
      "check", "Check the AWS backend live with a probe secret (exit 1 when a step fails)");
  add_store_options(*check, check_options->store);
  check->add_option("--account", check_options->account, "Account id the probe belongs to")
      ->required();
  check->add_option("--other-account", check_options->other_account,
                    "In role mode, also check that this account's probe is unreadable");
  check->add_option("--output", check_options->output, "table or json")
      ->check(CLI::IsMember({"table", "json"}));
  check->callback([check_options, &exit_code] {
    Result<bool> passed = run_check(*check_options);
    exit_code = !passed.ok() ? report_error(passed.status()) : (*passed ? 0 : 1);
  });

  CLI::App* policy = app.add_subcommand("policy", "Print IAM policy documents as JSON");
  policy->require_subcommand(1);
  auto policy_options = std::make_shared<PolicyOptions>();

  CLI::App* base = policy->add_subcommand("base", "Policy for the identity floecat runs as");
  add_policy_options(*base, *policy_options);
  base->callback([policy_options, &exit_code] {
    exit_code = print_policy(*policy_options, aws::base_policy);
  });

  CLI::App* trust = policy->add_subcommand("trust", "Trust policy of the per-account role");
  add_policy_options(*trust, *policy_options);
  trust->callback([policy_options, &exit_code] {
    exit_code = print_policy(*policy_options, aws::trust_policy);
  });

  CLI::App* permissions =
      policy->add_subcommand("permissions", "ABAC permissions policy of the per-account role");
  add_policy_options(*permissions, *policy_options);
  permissions->callback([policy_options, &exit_code] {
    exit_code = print_policy(*policy_options, aws::permissions_policy);
  });
}

}  // namespace floecat::cli
