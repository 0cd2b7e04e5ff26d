#include "secrets/check.h"

#include <openssl/rand.h>

#include "core/encoding.h"
#include "core/ids.h"
#include "core/logging.h"

namespace floecat::secrets {
namespace {

SecretBytes random_payload() {
  unsigned char bytes[32];
  RAND_bytes(bytes, sizeof(bytes));
  SecretBytes payload(bytes, sizeof(bytes));
  secure_wipe(bytes, sizeof(bytes));
  return payload;
}

std::string probe_id() {
  return "floecat-check-" + new_uuid().substr(0, 8);
}

void add_step(CheckReport& report,
              std::string name,
              const Status& status,
              std::string ok_detail,
              std::string iam_action) {
  CheckStep step;
  step.name = std::move(name);
  step.ok = status.ok();
  step.detail = status.ok() ? std::move(ok_detail) : status.message();
  step.iam_action = std::move(iam_action);
  report.steps.push_back(std::move(step));
}

// Creates and later deletes one probe secret with a fresh client for the account.
class Probe {
 public:
  Probe(AwsSecretsStore& store, std::string_view account_id)
      : client_(store.client_for(account_id)),
        key_(*SecretKey::make(account_id, kConnectorsType, probe_id())),
        account_id_(account_id) {}

  const SecretKey& key() const { return key_; }

  const aws::SecretsManagerClient& client() const { return *client_; }

  Status create(const SecretBytes& payload) {
    auto created =
        client_->create_secret(key_.name(), payload, {{std::string(kAccountIdTag), account_id_}});
    created_ = created.ok();
    return created.ok() ? Status::ok_status() : created.status();
  }

  Status remove() {
    if (!created_) {
      return Status::ok_status();
    }
    Status status = client_->delete_secret(key_.name(), 7, true);
    created_ = !status.ok();
    return status;
  }

 private:
  std::shared_ptr<const aws::SecretsManagerClient> client_;
  SecretKey key_;
  std::string account_id_;
  bool created_ = false;
};

void check_fence(AwsSecretsStore& store,
                 Probe& own,
                 std::string_view account_id,
                 std::string_view other_account_id,
                 CheckReport& report) {
  Status other_session = store.open_session(other_account_id);
  add_step(report, "assume role for account " + std::string(other_account_id), other_session,
           "session opened", "sts:AssumeRole, sts:TagSession");
  if (!other_session.ok()) {
    return;
  }
  Probe other(store, other_account_id);
  Status created = other.create(random_payload());
  add_step(report, "create probe secret " + other.key().name(), created, "created",
           "secretsmanager:CreateSecret, secretsmanager:TagResource");
  if (!created.ok()) {
    return;
  }

  aws::AwsError error;
  auto crossed = own.client().get_secret_value(other.key().name(), &error);
  CheckStep fence;
  fence.name = "ABAC fence: account " + std::string(account_id) + " reads " + other.key().name();
  fence.iam_action = "secretsmanager:GetSecretValue (must be denied across accounts)";
  if (crossed.ok()) {
    fence.ok = false;
    fence.detail =
        "the read succeeded, so the fence did NOT hold; attach the permissions policy "
        "from `floecat policy permissions` to the role";
  } else if (crossed.status().code() == StatusCode::kPermissionDenied) {
    fence.ok = true;
    fence.detail = "denied as expected (" + error.code + ")";
  } else {
    fence.ok = false;
    fence.detail = "inconclusive: " + crossed.status().message();
  }
  report.steps.push_back(std::move(fence));

  Status removed = other.remove();
  add_step(report, "delete probe secret " + other.key().name(), removed, "deleted",
           "secretsmanager:DeleteSecret");
}

}  // namespace

bool CheckReport::ok() const {
  for (const CheckStep& step : steps) {
    if (!step.ok) {
      return false;
    }
  }
  return !steps.empty();
}

std::string CheckReport::to_text() const {
  std::string text;
  for (const CheckStep& step : steps) {
    text += step.ok ? "ok      " : "FAILED  ";
    text += step.name + ": " + step.detail;
    if (!step.ok && !step.iam_action.empty()) {
      text += " (needs " + step.iam_action + ")";
    }
    text += "\n";
  }
  return text;
}

nlohmann::json CheckReport::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const CheckStep& step : steps) {
    list.push_back({{"step", step.name},
                    {"ok", step.ok},
                    {"detail", step.detail},
                    {"iam_action", step.iam_action}});
  }
  return {{"ok", ok()}, {"steps", list}};
}

CheckReport run_secrets_check(AwsSecretsStore& store,
                              std::string_view account_id,
                              std::string_view other_account_id) {
  CheckReport report;
  Status session = store.open_session(account_id);
  add_step(report,
           store.role_mode() ? "assume role for account " + std::string(account_id)
                             : "resolve AWS credentials",
           session, store.role_mode() ? "session opened" : "credentials found",
           store.role_mode() ? "sts:AssumeRole, sts:TagSession" : "");
  if (!session.ok()) {
    return report;
  }

  Probe probe(store, account_id);
  Status created = probe.create(random_payload());
  add_step(report, "create probe secret " + probe.key().name(), created,
           "created with tag AccountId=" + std::string(account_id),
           "secretsmanager:CreateSecret, secretsmanager:TagResource");
  if (created.ok()) {
    SecretBytes payload = random_payload();
    auto put = probe.client().put_secret_value(probe.key().name(), payload);
    add_step(report, "put new value", put.ok() ? Status::ok_status() : put.status(),
             "new version stored", "secretsmanager:PutSecretValue");

    auto value = probe.client().get_secret_value(probe.key().name());
    Status compared = value.ok() ? Status::ok_status() : value.status();
    if (value.ok() && put.ok() &&
        !(value->secret_binary.has_value() && value->secret_binary->equals(payload))) {
      compared = internal_error("the value read back differs from the value written");
    }
    add_step(report, "get and compare", compared, "value read back matches",
             "secretsmanager:GetSecretValue");

    auto description = probe.client().describe_secret(probe.key().name());
    Status tagged = description.ok() ? Status::ok_status() : description.status();
    if (description.ok()) {
      auto tag = description->tags.find(std::string(kAccountIdTag));
      if (tag == description->tags.end() || tag->second != account_id) {
        tagged =
            failed_precondition("the probe lacks the tag AccountId=" + std::string(account_id));
      }
    }
    add_step(report, "describe and verify tag", tagged,
             "tag AccountId=" + std::string(account_id) + " present",
             "secretsmanager:DescribeSecret");
  }

  if (store.role_mode() && !other_account_id.empty()) {
    check_fence(store, probe, account_id, other_account_id, report);
  }

  if (created.ok()) {
    add_step(report, "delete probe secret", probe.remove(), "deleted without recovery",
             "secretsmanager:DeleteSecret");
  }
  logger().info("secrets check for account {}: {}", account_id, report.ok() ? "ok" : "failed");
  return report;
}

}  // namespace floecat::secrets
