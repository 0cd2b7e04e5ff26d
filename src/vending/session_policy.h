#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "catalog/location.h"
#include "core/result.h"

namespace floecat::vending {

// What vended credentials may do under a location.
enum class Access { kRead, kWrite };

// Parses "read" or "write"; `field` names the value in the error.
Result<Access> parse_access(std::string_view field, std::string_view text);
std::string_view access_name(Access access);

// Maximum plaintext length STS accepts for an inline session policy.
inline constexpr std::size_t kMaxSessionPolicyChars = 2048;

// Escapes the IAM policy wildcard characters in an S3 key so that a
// resource matches them literally: '*' -> "${*}", '?' -> "${?}",
// '$' -> "${$}".
std::string escape_iam_wildcards(std::string_view key);

// Returns the partition of an ARN ("aws", "aws-cn", "aws-us-gov"), or "aws"
// when the ARN has none.
std::string arn_partition(std::string_view arn);

// Builds the inline session policy that limits a role session to one
// location:
//   read: s3:GetObject and s3:GetObjectVersion on arn:<p>:s3:::<bucket>/<key>/*,
//         s3:ListBucket on the bucket with StringLike s3:prefix "<key>/*",
//         s3:GetBucketLocation on the bucket;
//   write: also s3:PutObject, s3:DeleteObject, s3:AbortMultipartUpload and
//         s3:ListMultipartUploadParts on the objects.
// A bucket-root location grants the whole bucket (objects "<bucket>/*" and
// ListBucket without a condition). Keys are escaped with
// escape_iam_wildcards and non-ASCII characters are written as \u escapes,
// so the text stays in the character range STS accepts.
// Errors: kInvalidArgument naming the location when the policy is longer
// than kMaxSessionPolicyChars.
Result<std::string> build_session_policy(const catalog::Location& location,
                                         Access access,
                                         std::string_view partition = "aws");

}  // namespace floecat::vending
