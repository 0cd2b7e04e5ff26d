#pragma once

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aws/credentials.h"
#include "aws/http_transport.h"
#include "aws/service_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

// Header-only so that the aws and secrets test programs can both use it.
namespace floecat::aws::testing {

// A moto_server process on a free 127.0.0.1 port, started through pyenv's
// python3, in authenticated mode: every request must be signed with the
// keys of the IAM user it creates. Stopped (SIGTERM to its own pid) on
// destruction.
class MotoServer {
 public:
  // Starts moto and creates the IAM user and role; with `authenticate`,
  // moto then checks every signature. Fails the calling test (via
  // ADD_FAILURE) and returns null when it cannot.
  // NOTE: moto 5.2 returns HTTP 500 for unsigned requests in authenticated
  // mode, so AssumeRoleWithWebIdentity needs authenticate=false.
  static std::unique_ptr<MotoServer> start(bool authenticate = true);
  ~MotoServer();

  const std::string& url() const { return url_; }

  const std::string& role_arn() const { return role_arn_; }

  Credentials user_credentials() const;
  // Keys of a second user allowed only secretsmanager:CreateSecret and
  // secretsmanager:TagResource.
  Credentials limited_credentials() const;

  // Endpoints for Secrets Manager and STS at this server.
  ServiceEndpoint endpoint(const std::string& signing_name) const;

 private:
  MotoServer() = default;

  pid_t pid_ = -1;
  std::string url_;
  std::string log_path_;
  std::string access_key_id_;
  std::string secret_access_key_;
  std::string limited_access_key_id_;
  std::string limited_secret_access_key_;
  std::string role_arn_;
};

// A transport that passes every request to a real one and keeps a copy of
// each request and response for the test to inspect.
class RecordingTransport final : public HttpTransport {
 public:
  struct Exchange {
    std::string target;         // X-Amz-Target, or the Query Action
    std::string access_key_id;  // from the Authorization header
    std::string request_body;
    std::string response_body;
  };

  explicit RecordingTransport(std::shared_ptr<HttpTransport> inner) : inner_(std::move(inner)) {}

  Result<HttpResponse> send(const HttpRequest& request, std::chrono::milliseconds timeout) override;

  std::vector<Exchange> exchanges() const;

 private:
  std::shared_ptr<HttpTransport> inner_;
  mutable std::mutex mutex_;
  std::vector<Exchange> exchanges_;
};

namespace detail {

inline int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

inline bool port_accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return connected;
}

inline std::string run_and_capture(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return output;
  }
  char buffer[4096];
  while (std::size_t count = fread(buffer, 1, sizeof(buffer), pipe)) {
    output.append(buffer, count);
  }
  pclose(pipe);
  return output;
}

}  // namespace detail

inline std::unique_ptr<MotoServer> MotoServer::start(bool authenticate) {
  std::unique_ptr<MotoServer> server(new MotoServer());
  int port = detail::free_port();
  server->url_ = "http://127.0.0.1:" + std::to_string(port);
  server->log_path_ = "/tmp/floecat-moto-" + std::to_string(port) + ".log";

  pid_t pid = fork();
  if (pid == 0) {
    int log = open(server->log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    std::string port_text = std::to_string(port);
    execlp("python3", "python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", port_text.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  server->pid_ = pid;

  // Waits for the listener; this is readiness, not a timed assertion.
  for (int i = 0; i < 600 && !detail::port_accepts(port); ++i) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      server->pid_ = -1;
      ADD_FAILURE() << "moto_server exited; see " << server->log_path_;
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  std::string output = detail::run_and_capture(
      std::string("python3 " FLOECAT_SOURCE_DIR "/tests/integration/awsfixtures.py ") +
      (authenticate ? "moto-enable-auth " : "moto-setup ") + server->url_);
  nlohmann::json keys = nlohmann::json::parse(output, nullptr, false);
  if (!keys.is_object() || !keys.contains("access_key_id")) {
    ADD_FAILURE() << "could not enable moto authentication: " << output;
    return nullptr;
  }
  server->access_key_id_ = keys["access_key_id"];
  server->secret_access_key_ = keys["secret_access_key"];
  server->role_arn_ = keys["role_arn"];
  server->limited_access_key_id_ = keys["limited_access_key_id"];
  server->limited_secret_access_key_ = keys["limited_secret_access_key"];
  return server;
}

inline MotoServer::~MotoServer() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  unlink(log_path_.c_str());
}

inline Credentials MotoServer::user_credentials() const {
  Credentials credentials;
  credentials.access_key_id = access_key_id_;
  credentials.secret_access_key = SecretBytes(secret_access_key_);
  credentials.source = "moto IAM user";
  return credentials;
}

inline Credentials MotoServer::limited_credentials() const {
  Credentials credentials;
  credentials.access_key_id = limited_access_key_id_;
  credentials.secret_access_key = SecretBytes(limited_secret_access_key_);
  credentials.source = "moto limited IAM user";
  return credentials;
}

inline ServiceEndpoint MotoServer::endpoint(const std::string& signing_name) const {
  auto endpoint = ServiceEndpoint::from_url(url_, "moto", "us-east-1", signing_name);
  return *endpoint;
}

inline Result<HttpResponse> RecordingTransport::send(const HttpRequest& request,
                                                     std::chrono::milliseconds timeout) {
  Exchange exchange;
  if (const std::string* target = request.find_header("X-Amz-Target")) {
    exchange.target = *target;
  } else {
    std::string body(request.body.begin(), request.body.end());
    std::size_t action = body.find("Action=");
    if (action != std::string::npos) {
      exchange.target = body.substr(action + 7, body.find('&', action) - action - 7);
    }
  }
  if (const std::string* authorization = request.find_header("Authorization")) {
    std::size_t start = authorization->find("Credential=") + 11;
    exchange.access_key_id = authorization->substr(start, authorization->find('/', start) - start);
  }
  exchange.request_body.assign(request.body.begin(), request.body.end());

  Result<HttpResponse> response = inner_->send(request, timeout);
  if (response.ok()) {
    exchange.response_body.assign(response->body.begin(), response->body.end());
  }
  std::lock_guard<std::mutex> lock(mutex_);
  exchanges_.push_back(std::move(exchange));
  return response;
}

inline std::vector<RecordingTransport::Exchange> RecordingTransport::exchanges() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return exchanges_;
}

}  // namespace floecat::aws::testing
