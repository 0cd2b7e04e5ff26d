#pragma once

#include <string>
#include <string_view>

#include "aws/service_client.h"

namespace floecat::aws {

// Normalises an error code as botocore does: cuts at ':' and keeps the text
// after the last '#', so "com.amazonaws.secretsmanager#ThrottlingException:x"
// becomes "ThrottlingException".
std::string normalize_error_code(std::string_view code);

// Parses a JSON 1.1 error: "__type" and "Message" (or "message") from the
// body, falling back to the x-amzn-ErrorType header. Never fails: an
// unreadable body yields an empty code.
AwsError parse_json_error(const HttpResponse& response);

// Parses a Query protocol error: <ErrorResponse><Error><Code>,<Message>
// and <RequestId>. Never fails.
AwsError parse_query_error(const HttpResponse& response);

// Returns x-amzn-RequestId or x-amz-request-id, or "".
std::string request_id_of(const HttpResponse& response);

}  // namespace floecat::aws
