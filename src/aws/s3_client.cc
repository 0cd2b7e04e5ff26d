#include "aws/s3_client.h"

#include <cstdlib>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "aws/errors.h"
#include "core/ids.h"

namespace floecat::aws {
namespace {

// A bucket name can go into a host name only when it is a valid DNS label
// sequence without dots (dots break TLS wildcard certificates).
bool is_dns_compatible_bucket(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) {
    return false;
  }
  for (char c : bucket) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!allowed) {
      return false;
    }
  }
  return bucket.front() != '-' && bucket.back() != '-';
}

Status check_object_name(std::string_view bucket, std::string_view key) {
  if (bucket.empty()) {
    return invalid_argument("S3 bucket name is required");
  }
  if (key.empty()) {
    return invalid_argument(fmt::format("S3 object key is required (bucket {})", bucket));
  }
  return Status();
}

}  // namespace

std::string default_s3_endpoint(std::string_view region) {
  return fmt::format("https://s3.{}.amazonaws.com", region);
}

AwsError parse_s3_error(const HttpResponse& response) {
  AwsError error;
  error.http_status = response.status;
  error.request_id = request_id_of(response);
  if (response.body.empty()) {
    return error;
  }
  pugi::xml_document document;
  if (document.load_buffer(response.body.data(), response.body.size())) {
    pugi::xml_node node = document.child("Error");
    error.code = std::string(trim(node.child_value("Code")));
    error.message = std::string(trim(node.child_value("Message")));
    std::string id = std::string(trim(node.child_value("RequestId")));
    if (!id.empty()) {
      error.request_id = id;
    }
  }
  return error;
}

S3Client::S3Client(ServiceEndpoint endpoint, ServiceContext context, S3Addressing addressing)
    : endpoint_(std::move(endpoint)), context_(std::move(context)), addressing_(addressing) {
  endpoint_.signing_name = "s3";
  endpoint_.path_rule = PathRule::kS3SingleEncode;
}

Result<ServiceEndpoint> S3Client::endpoint_for(std::string_view bucket) const {
  if (addressing_ == S3Addressing::kPathStyle) {
    return endpoint_;
  }
  if (!is_dns_compatible_bucket(bucket)) {
    return invalid_argument(fmt::format(
        "bucket '{}' cannot be reached with virtual-host addressing because it is not a DNS "
        "label; enable path-style access for this endpoint",
        bucket));
  }
  ServiceEndpoint endpoint = endpoint_;
  std::size_t scheme_end = endpoint.origin.find("://");
  endpoint.origin = endpoint.origin.substr(0, scheme_end + 3) + std::string(bucket) + "." +
                    endpoint.origin.substr(scheme_end + 3);
  endpoint.host = std::string(bucket) + "." + endpoint.host;
  return endpoint;
}

std::string S3Client::object_path(std::string_view bucket, std::string_view key) const {
  std::string path = "/";
  if (addressing_ == S3Addressing::kPathStyle) {
    path += uri_encode(bucket, false) + "/";
  }
  return path + uri_encode(key, true);
}

std::string S3Client::object_url(std::string_view bucket, std::string_view key) const {
  Result<ServiceEndpoint> endpoint = endpoint_for(bucket);
  const ServiceEndpoint& chosen = endpoint.ok() ? *endpoint : endpoint_;
  return chosen.origin + chosen.base_path + object_path(bucket, key);
}

CallOutcome S3Client::send(std::string_view method,
                           std::string_view bucket,
                           std::string_view key,
                           std::string_view operation) const {
  CallOutcome outcome;
  if (Status status = check_object_name(bucket, key); !status.ok()) {
    outcome.status = status;
    return outcome;
  }
  Result<ServiceEndpoint> endpoint = endpoint_for(bucket);
  if (!endpoint.ok()) {
    outcome.status = endpoint.status();
    return outcome;
  }
  ServiceClient client(*endpoint, context_, parse_s3_error);
  HttpRequest request;
  request.method = std::string(method);
  request.path = object_path(bucket, key);
  outcome = client.call(request, operation);
  if (!outcome.ok() && outcome.status.code() == StatusCode::kNotFound) {
    outcome.status = not_found(
        fmt::format("s3://{}/{} does not exist ({} answered HTTP 404{}{})", bucket, key, operation,
                    outcome.error.code.empty() ? "" : " ", outcome.error.code));
  }
  return outcome;
}

namespace {

S3ObjectInfo info_from(const HttpResponse& response) {
  S3ObjectInfo info;
  if (const std::string* length = response.find_header("content-length")) {
    info.content_length = std::strtoll(length->c_str(), nullptr, 10);
  }
  if (const std::string* etag = response.find_header("etag")) {
    info.etag = *etag;
  }
  if (const std::string* type = response.find_header("content-type")) {
    info.content_type = *type;
  }
  return info;
}

}  // namespace

Result<S3Object> S3Client::get_object(std::string_view bucket,
                                      std::string_view key,
                                      std::size_t max_bytes) const {
  CallOutcome outcome = send("GET", bucket, key, "GetObject");
  if (!outcome.ok()) {
    return outcome.status;
  }
  if (outcome.response.body.size() > max_bytes) {
    return too_large(fmt::format("s3://{}/{} is {} bytes; the limit is {}", bucket, key,
                                 outcome.response.body.size(), max_bytes));
  }
  S3Object object;
  object.info = info_from(outcome.response);
  object.info.content_length = static_cast<std::int64_t>(outcome.response.body.size());
  object.body.assign(outcome.response.body.data(), outcome.response.body.size());
  return object;
}

Result<S3ObjectInfo> S3Client::head_object(std::string_view bucket, std::string_view key) const {
  CallOutcome outcome = send("HEAD", bucket, key, "HeadObject");
  if (!outcome.ok()) {
    return outcome.status;
  }
  return info_from(outcome.response);
}

}  // namespace floecat::aws
