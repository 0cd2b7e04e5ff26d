#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/http_types.h"
#include "core/result.h"
#include "core/secret_bytes.h"

namespace floecat::aws {

// AWS Signature Version 4, split into its four steps: canonical request,
// string to sign, signing key, signature. The rules follow the AWS
// "Create a signed AWS API request" guide, and botocore 1.43's SigV4Auth and
// S3SigV4Auth are the reference the tests compare against.

// The rule that builds the canonical URI from the wire path.
enum class PathRule {
  // Every service but S3: remove "." and ".." segments and empty segments,
  // then percent-encode the (already encoded) wire path a second time.
  kNormalizeAndDoubleEncode,
  // S3: the wire path, encoded once by the caller, is used unchanged.
  kS3SingleEncode,
};

struct SigningScope {
  std::string service;
  std::string region;
  std::chrono::system_clock::time_point time;
  PathRule path_rule = PathRule::kNormalizeAndDoubleEncode;
};

struct CanonicalRequest {
  std::string text;
  // Lower-case names joined by ';', e.g. "content-type;host;x-amz-date".
  std::string signed_headers;
};

// Returns "yyyymmddThhmmssZ" in UTC.
std::string amz_timestamp(std::chrono::system_clock::time_point time);

// Removes "." and ".." segments and repeated slashes; keeps a trailing slash.
std::string remove_dot_segments(std::string_view path);

std::string canonical_uri(std::string_view wire_path, PathRule rule);

// Encodes each name and value, sorts by encoded name then encoded value and
// joins them with '&'. An empty value keeps its '='.
std::string canonical_query(const QueryParams& query);

// Builds the canonical request from every header except the hop-by-hop ones
// and user-agent. Values of a repeated header are joined with ','.
// Errors: kInvalidArgument when the request has no Host header.
Result<CanonicalRequest> build_canonical_request(const HttpRequest& request,
                                                 PathRule rule,
                                                 std::string_view payload_hash);

std::string credential_scope(const SigningScope& scope);

std::string string_to_sign(const SigningScope& scope, std::string_view canonical_request);

// Derives the signing key: HMAC chain "AWS4"+secret -> date -> region ->
// service -> "aws4_request". Every intermediate key is wiped.
SecretBytes derive_signing_key(const SecretBytes& secret_access_key, const SigningScope& scope);

// Hex HMAC-SHA256 of the string to sign under the signing key.
std::string compute_signature(const SecretBytes& signing_key, std::string_view string_to_sign);

// Signs the request in place: sets X-Amz-Date, X-Amz-Security-Token (when
// the credentials carry a session token), X-Amz-Content-SHA256 (S3 only) and
// Authorization. The body is hashed as it is.
// Errors: kFailedPrecondition when the access key id or the secret key is
// missing. kInvalidArgument when the request has no Host, or already carries
// an Authorization header or an X-Amz-Signature query parameter.
Status sign_request(HttpRequest& request,
                    const Credentials& credentials,
                    const SigningScope& scope);

}  // namespace floecat::aws
