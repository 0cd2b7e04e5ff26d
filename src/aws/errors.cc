#include "aws/errors.h"

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "core/ids.h"

namespace floecat::aws {

std::string normalize_error_code(std::string_view code) {
  code = code.substr(0, code.find(':'));
  std::size_t hash = code.rfind('#');
  if (hash != std::string_view::npos) {
    code = code.substr(hash + 1);
  }
  return std::string(trim(code));
}

std::string request_id_of(const HttpResponse& response) {
  if (const std::string* id = response.find_header("x-amzn-requestid")) {
    return *id;
  }
  if (const std::string* id = response.find_header("x-amz-request-id")) {
    return *id;
  }
  return "";
}

AwsError parse_json_error(const HttpResponse& response) {
  AwsError error;
  error.http_status = response.status;
  error.request_id = request_id_of(response);
  nlohmann::json body =
      nlohmann::json::parse(response.body.begin(), response.body.end(), nullptr, false);
  if (body.is_object()) {
    if (auto it = body.find("__type"); it != body.end() && it->is_string()) {
      error.code = normalize_error_code(it->get<std::string>());
    }
    for (const char* key : {"Message", "message"}) {
      if (auto it = body.find(key); it != body.end() && it->is_string()) {
        error.message = it->get<std::string>();
        break;
      }
    }
  }
  if (error.code.empty()) {
    if (const std::string* header = response.find_header("x-amzn-errortype")) {
      error.code = normalize_error_code(*header);
    }
  }
  return error;
}

AwsError parse_query_error(const HttpResponse& response) {
  AwsError error;
  error.http_status = response.status;
  error.request_id = request_id_of(response);
  pugi::xml_document document;
  if (document.load_buffer(response.body.data(), response.body.size())) {
    pugi::xml_node root = document.document_element();
    pugi::xml_node node = root.child("Error");
    if (!node) {
      node = root.child("Errors").child("Error");
    }
    error.code = normalize_error_code(node.child_value("Code"));
    error.message = std::string(trim(node.child_value("Message")));
    std::string id = std::string(trim(root.child_value("RequestId")));
    if (!id.empty()) {
      error.request_id = id;
    }
  }
  return error;
}

}  // namespace floecat::aws
