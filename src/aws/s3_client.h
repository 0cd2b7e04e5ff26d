#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "aws/service_client.h"
#include "core/result.h"

namespace floecat::aws {

// How a bucket appears in an S3 request URL.
enum class S3Addressing {
  // https://s3.<region>.amazonaws.com/<bucket>/<key>: needed by most
  // S3-compatible stores and emulators.
  kPathStyle,
  // https://<bucket>.s3.<region>.amazonaws.com/<key>: the AWS default.
  kVirtualHost,
};

struct S3ObjectInfo {
  std::int64_t content_length = 0;
  std::string etag;
  std::string content_type;
};

struct S3Object {
  S3ObjectInfo info;
  std::string body;
};

// Returns the S3 endpoint URL of a region, e.g. https://s3.eu-west-1.amazonaws.com.
std::string default_s3_endpoint(std::string_view region);

// Parses an S3 error body (<Error><Code>..</Code><Message>..</Message>).
// Never fails: an empty or unreadable body yields an empty code, as HEAD
// answers have no body.
AwsError parse_s3_error(const HttpResponse& response);

// GetObject and HeadObject, signed with SigV4 for S3 (single-encoded path,
// X-Amz-Content-SHA256). `endpoint` is the service endpoint without the
// bucket, e.g. from ServiceEndpoint::from_url(url, ..., region, "s3");
// virtual-host addressing puts the bucket in front of its host. Thread-safe.
class S3Client {
 public:
  S3Client(ServiceEndpoint endpoint, ServiceContext context, S3Addressing addressing);

  // Errors: kNotFound naming bucket and key (NoSuchKey, NoSuchBucket),
  // kPermissionDenied (403), kTooLarge when the object is over `max_bytes`,
  // and the ServiceClient codes for other failures.
  Result<S3Object> get_object(std::string_view bucket,
                              std::string_view key,
                              std::size_t max_bytes = 16 * 1024 * 1024) const;
  Result<S3ObjectInfo> head_object(std::string_view bucket, std::string_view key) const;

  // The URL a request for this object is sent to (for messages and tests).
  std::string object_url(std::string_view bucket, std::string_view key) const;

 private:
  Result<ServiceEndpoint> endpoint_for(std::string_view bucket) const;
  std::string object_path(std::string_view bucket, std::string_view key) const;
  CallOutcome send(std::string_view method,
                   std::string_view bucket,
                   std::string_view key,
                   std::string_view operation) const;

  ServiceEndpoint endpoint_;
  ServiceContext context_;
  S3Addressing addressing_;
};

}  // namespace floecat::aws
