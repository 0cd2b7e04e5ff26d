// Fuzzes the STS Query protocol response parsers: AssumeRole and
// GetCallerIdentity success bodies, the <ErrorResponse> error body and the
// ISO 8601 times in Expiration. The whole input is each parser's body.
//
// Checked properties:
// - a successful AssumeRole parse has all three credential parts and an
//   expiration, and no whitespace in the secret key or the session token;
// - a successful GetCallerIdentity parse has an Arn;
// - every failure is kUnavailable, the code the STS client uses for a
//   malformed response.

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "aws/errors.h"
#include "aws/sts_client.h"
#include "fuzz/fuzz_support.h"

namespace {

using floecat::fuzz::check;

bool has_whitespace(std::string_view text) {
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  floecat::Result<floecat::aws::AssumedRole> role = floecat::aws::parse_assume_role_response(input);
  if (role.ok()) {
    const floecat::aws::Credentials& credentials = role->credentials;
    check(!credentials.access_key_id.empty(), "AssumeRole parsed without an access key id");
    check(!credentials.secret_access_key.empty(), "AssumeRole parsed without a secret key");
    check(!credentials.session_token.empty(), "AssumeRole parsed without a session token");
    check(credentials.expiration.has_value(), "AssumeRole parsed without an expiration");
    check(!has_whitespace(credentials.secret_access_key.expose()),
          "the parsed secret key contains whitespace");
    check(!has_whitespace(credentials.session_token.expose()),
          "the parsed session token contains whitespace");
  } else {
    check(role.status().code() == floecat::StatusCode::kUnavailable,
          "parse_assume_role_response failed with a code other than kUnavailable");
  }

  floecat::Result<floecat::aws::CallerIdentity> identity =
      floecat::aws::parse_caller_identity_response(input);
  if (identity.ok()) {
    check(!identity->arn.empty(), "GetCallerIdentity parsed without an Arn");
  } else {
    check(identity.status().code() == floecat::StatusCode::kUnavailable,
          "parse_caller_identity_response failed with a code other than kUnavailable");
  }

  floecat::aws::HttpResponse response;
  response.status = 403;
  response.headers = {{"x-amzn-requestid", "c6104cbe-af31-11e0-8154-cbc7ccf896c7"}};
  response.body.assign(input.data(), input.size());
  floecat::aws::AwsError error = floecat::aws::parse_query_error(response);
  check(error.http_status == 403, "parse_query_error lost the HTTP status");
  check(!error.request_id.empty(), "parse_query_error lost the request id");
  check(error.code.find(':') == std::string::npos && error.code.find('#') == std::string::npos,
        "the error code keeps a namespace prefix or a suffix after ':'");

  floecat::Result<std::chrono::system_clock::time_point> time = floecat::aws::parse_iso8601(input);
  if (!time.ok()) {
    check(time.status().code() == floecat::StatusCode::kUnavailable,
          "parse_iso8601 failed with a code other than kUnavailable");
  }
  return 0;
}
