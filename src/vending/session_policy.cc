#include "vending/session_policy.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace floecat::vending {

using nlohmann::json;

Result<Access> parse_access(std::string_view field, std::string_view text) {
  if (text == "read") {
    return Access::kRead;
  }
  if (text == "write") {
    return Access::kWrite;
  }
  return invalid_argument(fmt::format("{} must be read or write, got '{}'", field, text));
}

std::string_view access_name(Access access) {
  return access == Access::kWrite ? "write" : "read";
}

std::string escape_iam_wildcards(std::string_view key) {
  std::string escaped;
  escaped.reserve(key.size());
  for (char c : key) {
    if (c == '*' || c == '?' || c == '$') {
      escaped += "${";
      escaped.push_back(c);
      escaped.push_back('}');
    } else {
      escaped.push_back(c);
    }
  }
  return escaped;
}

std::string arn_partition(std::string_view arn) {
  // arn:<partition>:<service>:...
  if (!arn.starts_with("arn:")) {
    return "aws";
  }
  std::size_t end = arn.find(':', 4);
  if (end == std::string_view::npos || end == 4) {
    return "aws";
  }
  return std::string(arn.substr(4, end - 4));
}

Result<std::string> build_session_policy(const catalog::Location& location,
                                         Access access,
                                         std::string_view partition) {
  std::string bucket_arn = fmt::format("arn:{}:s3:::{}", partition, location.bucket);
  std::string key = escape_iam_wildcards(location.key());
  // The objects under the location; the bucket root has no key and no
  // separator of its own.
  std::string objects_arn = key.empty() ? bucket_arn + "/*" : bucket_arn + "/" + key + "/*";

  json object_actions = {"s3:GetObject", "s3:GetObjectVersion"};
  if (access == Access::kWrite) {
    for (const char* action : {"s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
                               "s3:ListMultipartUploadParts"}) {
      object_actions.push_back(action);
    }
  }
  json list_statement = {{"Sid", "ListTableLocation"},
                         {"Effect", "Allow"},
                         {"Action", "s3:ListBucket"},
                         {"Resource", bucket_arn}};
  if (!key.empty()) {
    list_statement["Condition"] = {{"StringLike", {{"s3:prefix", key + "/*"}}}};
  }
  json policy = {{"Version", "2012-10-17"},
                 {"Statement", json::array({
                                   {{"Sid", "TableObjects"},
                                    {"Effect", "Allow"},
                                    {"Action", object_actions},
                                    {"Resource", objects_arn}},
                                   list_statement,
                                   {{"Sid", "BucketLocation"},
                                    {"Effect", "Allow"},
                                    {"Action", "s3:GetBucketLocation"},
                                    {"Resource", bucket_arn}},
                               })}};
  // ensure_ascii writes every non-ASCII character as \uXXXX.
  std::string text = policy.dump(-1, ' ', true);
  if (text.size() > kMaxSessionPolicyChars) {
    return invalid_argument(fmt::format(
        "the session policy for location {} is {} characters; STS accepts at most {}. The "
        "location's key ({} bytes) makes it too long: use a table location with a shorter path",
        location.to_string(), text.size(), kMaxSessionPolicyChars, location.key().size()));
  }
  return text;
}

}  // namespace floecat::vending
