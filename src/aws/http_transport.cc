#include "aws/http_transport.h"

#include <malloc.h>
#include <string.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <curl/curl.h>

#include "core/logging.h"

namespace floecat::aws {
namespace {

// libcurl may copy a request body (such as a base64 secret payload sent to
// Secrets Manager) into a send buffer of its own and release it with free(),
// and glibc keeps a freed block's bytes until the block is reused. These
// allocator callbacks zero each block before releasing it.
void wiping_free(void* block) {
  if (block != nullptr) {
    explicit_bzero(block, malloc_usable_size(block));
    std::free(block);
  }
}

void* wiping_realloc(void* block, size_t size) {
  if (block == nullptr) {
    return std::malloc(size);
  }
  void* moved = std::malloc(size == 0 ? 1 : size);
  if (moved == nullptr) {
    return nullptr;
  }
  std::memcpy(moved, block, std::min(size, malloc_usable_size(block)));
  wiping_free(block);
  return moved;
}

struct CurlGlobal {
  CurlGlobal() {
    curl_global_init_mem(CURL_GLOBAL_DEFAULT, std::malloc, wiping_free, wiping_realloc, ::strdup,
                         std::calloc);
  }
};

void ensure_curl_initialised() {
  static CurlGlobal global;
}

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  response->body.append(data, size * count);
  return size * count;
}

size_t write_header(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  std::string_view line(data, size * count);
  std::size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    response->headers.emplace_back(to_lower(line.substr(0, colon)), std::string(value));
  } else if (line.rfind("HTTP/", 0) == 0) {
    // A new status line (after 100 Continue) starts a new header block.
    response->headers.clear();
  }
  return size * count;
}

Status map_curl_error(CURLcode code,
                      const HttpRequest& request,
                      std::chrono::milliseconds timeout,
                      const char* detail) {
  std::string where = request.method + " " + request.origin;
  std::string text = detail[0] != '\0' ? detail : curl_easy_strerror(code);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return deadline_exceeded(where + " timed out after " + std::to_string(timeout.count()) +
                               " ms: " + text);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return invalid_argument("invalid AWS endpoint URL " + request.origin + ": " + text);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return failed_precondition("TLS verification failed for " + request.origin + ": " + text +
                                 "; check the endpoint and the CA bundle");
    default:
      return unavailable(where + " failed: " + text);
  }
}

}  // namespace

CurlTransport::CurlTransport(CurlTransportOptions options) : options_(std::move(options)) {
  ensure_curl_initialised();
}

CurlTransport::~CurlTransport() {
  for (void* handle : idle_handles_) {
    curl_easy_cleanup(static_cast<CURL*>(handle));
  }
}

void* CurlTransport::acquire_handle() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_handles_.empty()) {
      void* handle = idle_handles_.back();
      idle_handles_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void CurlTransport::release_handle(void* handle) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_handles_.size() < options_.max_idle_handles) {
    idle_handles_.push_back(handle);
    return;
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

Result<HttpResponse> CurlTransport::send(const HttpRequest& request,
                                         std::chrono::milliseconds timeout) {
  CURL* curl = static_cast<CURL*>(acquire_handle());
  if (curl == nullptr) {
    return internal_error("curl_easy_init failed");
  }
  curl_easy_reset(curl);

  std::string url = request.url();
  HttpResponse response;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_slist* header_list = nullptr;
  for (const auto& [name, value] : request.headers) {
    header_list = curl_slist_append(header_list, (name + ": " + value).c_str());
  }
  // No "Expect: 100-continue" round trip, and no Accept header curl invents.
  header_list = curl_slist_append(header_list, "Expect:");
  header_list = curl_slist_append(header_list, "Accept:");

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  }
  // An empty proxy string disables the proxy variables of the environment.
  curl_easy_setopt(curl, CURLOPT_PROXY, options_.proxy.c_str());
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(options_.connect_timeout, timeout).count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<long>(1, timeout.count())));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, write_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);

  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    if (request.method != "POST") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }

  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(header_list);

  if (code != CURLE_OK) {
    // A handle whose transfer failed may hold a broken connection.
    curl_easy_cleanup(curl);
    return map_curl_error(code, request, timeout, error_buffer);
  }
  release_handle(curl);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace floecat::aws
