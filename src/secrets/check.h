#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "secrets/aws_secrets_store.h"

namespace floecat::secrets {

// One step of the live check.
struct CheckStep {
  std::string name;
  bool ok = false;
  // The outcome: a short note on success, the error message on failure.
  std::string detail;
  // The IAM action the step needs, named on failure so the operator knows
  // which permission to grant.
  std::string iam_action;
};

struct CheckReport {
  std::vector<CheckStep> steps;

  bool ok() const;
  // One line per step: "ok     create probe secret ..." or
  // "FAILED put ... (needs secretsmanager:PutSecretValue)".
  std::string to_text() const;
  nlohmann::json to_json() const;
};

// Runs the live check of the AWS backend for `account_id` with a probe
// secret accounts/<account>/connectors/floecat-check-<random>: create with
// the AccountId tag, put a new value, get and compare, describe to verify
// the tag, then delete without recovery. In role mode it first opens the
// account's session and, when `other_account_id` is not empty, creates a
// probe in that account and reports whether the first account's session
// was kept from reading it (the ABAC fence). Probes are deleted at the end
// even when a step fails. Payloads never appear in the report.
CheckReport run_secrets_check(AwsSecretsStore& store,
                              std::string_view account_id,
                              std::string_view other_account_id = "");

}  // namespace floecat::secrets
