#include "http/server.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <typeinfo>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>

#include "core/logging.h"
#include "core/secret_bytes.h"

namespace floecat::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

// Request bytes may carry credentials, so the buffers that hold them wipe
// their old storage whenever they grow or are freed.
using WipingFlatBuffer = beast::basic_flat_buffer<WipingAllocator<char>>;
using WipingBody = bhttp::basic_string_body<char, std::char_traits<char>, WipingAllocator<char>>;
using RequestMessage = bhttp::request<WipingBody>;

// A fixed set of threads that runs tasks from a bounded FIFO queue.
class WorkerPool {
 public:
  WorkerPool(int threads, size_t max_queued) : max_queued_(max_queued) {
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] { run(); });
    }
  }

  ~WorkerPool() { shutdown(); }

  // Queues the task, or returns false when max_queued tasks already wait.
  bool try_submit(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_ || queue_.size() >= max_queued_) {
        return false;
      }
      queue_.push_back(std::move(task));
    }
    ready_.notify_one();
    return true;
  }

  // Runs the tasks still queued, then joins the threads.
  void shutdown() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (std::thread& thread : threads_) {
      if (thread.joinable()) {
        thread.join();
      }
    }
    threads_.clear();
  }

 private:
  void run() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) {
          return;
        }
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  const size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// True for errors that only mean the peer went away or a timer fired.
bool is_disconnect(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == net::error::eof ||
         ec == beast::error::timeout || ec == net::error::operation_aborted ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::bad_descriptor || ec == net::ssl::error::stream_truncated;
}

// A connection's byte stream: plain TCP, or TLS over TCP. It offers the
// async_read_some/async_write_some pair that Beast's HTTP functions need and
// gives the TCP layer (transport()) for timeouts and shutdown, so the session code is the
// same for both.
class Stream {
 public:
  using executor_type = beast::tcp_stream::executor_type;

  Stream(tcp::socket socket, net::ssl::context* tls) {
    if (tls != nullptr) {
      tls_.emplace(std::move(socket), *tls);
    } else {
      plain_.emplace(std::move(socket));
    }
  }

  bool is_tls() const { return tls_.has_value(); }

  beast::tcp_stream& transport() { return tls_ ? tls_->next_layer() : *plain_; }

  executor_type get_executor() { return transport().get_executor(); }

  template <typename Buffers, typename Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_read_some(buffers, std::forward<Handler>(handler));
    }
  }

  template <typename Buffers, typename Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_write_some(buffers, std::forward<Handler>(handler));
    }
  }

  // REQUIRES: is_tls().
  template <typename Handler>
  void async_handshake(Handler&& handler) {
    tls_->async_handshake(net::ssl::stream_base::server, std::forward<Handler>(handler));
  }

 private:
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
};

// Builds the server's TLS context: TLS 1.2 or newer, the certificate chain
// and key from PEM files. Errors name the file and the cause.
Result<std::unique_ptr<net::ssl::context>> make_tls_context(const std::string& cert_file,
                                                            const std::string& key_file) {
  auto context = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
  context->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                       net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                       net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  context->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    return invalid_argument("cannot load the TLS certificate chain from " + cert_file + ": " +
                            ec.message() + "; expected a PEM file");
  }
  context->use_private_key_file(key_file, net::ssl::context::pem, ec);
  if (ec) {
    return invalid_argument("cannot load the TLS private key from " + key_file + ": " +
                            ec.message() + "; expected an unencrypted PEM key");
  }
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    return invalid_argument("the TLS private key in " + key_file +
                            " does not match the certificate in " + cert_file);
  }
  return context;
}

Response plain_error(int status, std::string_view code, std::string message) {
  nlohmann::json body = {{"error", {{"code", code}, {"message", std::move(message)}}}};
  return Response::json(status, body);
}

}  // namespace

namespace server_internal {
class Session;
}  // namespace server_internal

using server_internal::Session;

class Server::Impl {
 public:
  Impl(ServerOptions options, Router router)
      : options_(std::move(options)),
        router_(std::move(router)),
        ioc_(std::max(1, options_.io_threads)),
        acceptor_(net::make_strand(ioc_)),
        accept_retry_timer_(acceptor_.get_executor()) {}

  ~Impl() { stop(); }

  Status start();
  void stop();
  void wait();

  uint16_t port() const { return port_; }

  ServerCounters counters() const;

  // Runs the router on a worker thread; exceptions become a 500.
  Response run_handler(Request& request);

  // Runs Router::precheck on a worker thread; exceptions become a 500.
  Response run_precheck(Request& request);

  void register_session(const std::shared_ptr<Session>& session);
  void unregister_session(Session* session);

  const ServerOptions& options() const { return options_; }

  // Null when the server speaks plain HTTP.
  net::ssl::context* tls_context() const { return tls_context_.get(); }

  bool stopping() const { return stopping_.load(); }

  WorkerPool& pool() { return *pool_; }

  std::atomic<uint64_t> requests_total_{0};
  std::atomic<uint64_t> requests_in_flight_{0};
  std::atomic<uint64_t> rejected_queue_full_{0};
  std::atomic<uint64_t> connections_open_{0};

 private:
  Status validate_options() const;
  void accept_next();

  static constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

  const ServerOptions options_;
  const Router router_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer accept_retry_timer_;
  uint64_t accept_failures_ = 0;  // touched only on the acceptor's strand
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_guard_;
  std::vector<std::thread> io_threads_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<net::ssl::context> tls_context_;
  uint16_t port_ = 0;

  std::atomic<bool> stopping_{false};
  std::mutex mutex_;  // guards the fields below
  std::condition_variable changed_;
  bool started_ = false;
  bool stopped_ = false;
  std::map<Session*, std::weak_ptr<Session>> sessions_;
};

namespace server_internal {

// One client connection. Every step runs on the connection's strand, so the
// fields need no lock; a worker thread only touches the Request it was given
// and posts the response back to the strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server::Impl& server, tcp::socket socket)
      : server_(server),
        stream_(std::move(socket), server.tls_context()),
        request_timer_(stream_.get_executor()) {
    beast::error_code ec;
    tcp::endpoint remote = stream_.transport().socket().remote_endpoint(ec);
    if (!ec) {
      remote_address_ = remote.address().to_string() + ":" + std::to_string(remote.port());
    }
    server_.connections_open_++;
  }

  ~Session() {
    server_.connections_open_--;
    server_.unregister_session(this);
  }

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->stream_.is_tls()) {
        self->handshake();
      } else {
        self->wait_for_request();
      }
    });
  }

  // Closes the connection unless a request is being handled or its response written;
  // those close once their response is written because the server is stopping.
  void close_if_not_busy() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->state_ == State::kWaiting || self->state_ == State::kReading ||
          self->state_ == State::kLingering) {
        self->close();
      }
    });
  }

 private:
  enum class State { kWaiting, kReading, kHandling, kWriting, kLingering, kClosed };

  static constexpr std::chrono::milliseconds kMaxLingerTime = std::chrono::seconds(2);
  static constexpr size_t kMaxLingerBytes = 4 * 1024 * 1024;

  // The handshake must finish within the read timeout, like a request.
  void handshake() {
    state_ = State::kReading;
    stream_.transport().expires_after(server_.options().read_timeout);
    stream_.async_handshake([self = shared_from_this()](beast::error_code ec) {
      if (ec) {
        logger().debug("TLS handshake with {} failed: {}", self->remote_address_, ec.message());
        self->close();
        return;
      }
      self->wait_for_request();
    });
  }

  void wait_for_request() {
    if (server_.stopping()) {
      close();
      return;
    }
    state_ = State::kWaiting;
    method_ = "-";
    path_ = "-";
    parser_.emplace();
    header_read_ = false;
    parser_->header_limit(static_cast<uint32_t>(server_.options().max_header_bytes));
    parser_->body_limit(server_.options().max_body_bytes);
    if (buffer_.size() > 0) {  // a pipelined request already arrived
      read_header();
      return;
    }

    // The idle timeout covers the wait for the first byte; the read timeout
    // then covers the whole request.
    stream_.transport().expires_after(server_.options().idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, size_t bytes) {
                              self->on_first_bytes(ec, bytes);
                            });
  }

  void on_first_bytes(beast::error_code ec, size_t bytes) {
    if (ec) {
      close();
      return;
    }
    buffer_.commit(bytes);
    read_header();
  }

  void read_header() {
    state_ = State::kReading;
    started_at_ = SteadyClock::now();
    arm_request_timer();
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  // The request timer, not the stream's own timeout, limits reading a
  // request: the stream closes its socket when its timeout fires, which
  // leaves no way to send the 408.
  void arm_request_timer() {
    stream_.transport().expires_never();
    timed_out_ = false;
    const uint64_t generation = ++timer_generation_;
    request_timer_.expires_after(server_.options().read_timeout);
    request_timer_.async_wait([self = shared_from_this(), generation](beast::error_code ec) {
      if (ec || generation != self->timer_generation_ || self->state_ != State::kReading) {
        return;
      }
      self->timed_out_ = true;
      self->stream_.transport().cancel();
    });
  }

  void stop_request_timer() {
    ++timer_generation_;
    request_timer_.cancel();
  }

  void on_header(beast::error_code ec) {
    if (ec || timed_out_) {
      on_read_error(ec);
      return;
    }
    const auto& header = parser_->get();
    header_read_ = true;
    method_ = std::string(header.method_string());
    std::string_view target(header.target().data(), header.target().size());
    path_ = std::string(target.substr(0, target.find('?')));

    size_t field_count = std::distance(header.begin(), header.end());
    if (field_count > server_.options().max_header_count) {
      reject_and_close(plain_error(431, "header_fields_too_large",
                                   "request has " + std::to_string(field_count) +
                                       " header fields; the limit is " +
                                       std::to_string(server_.options().max_header_count)));
      return;
    }
    if (expects_continue(header) && !parser_->is_done()) {
      precheck(header);
      return;
    }
    read_body();
  }

  static bool expects_continue(const bhttp::request_header<>& header) {
    auto expect = header.find(bhttp::field::expect);
    return header.version() >= 11 && expect != header.end() &&
           beast::iequals(expect->value(), "100-continue");
  }

  // Runs the route's checks (authentication, the route itself) on a worker
  // before the body is read. The client then gets 100 Continue and sends the
  // body, or gets the final status and need not send it. The body size
  // limit was already checked against Content-Length by the parser.
  void precheck(const bhttp::request_header<>& header) {
    stop_request_timer();
    state_ = State::kHandling;
    Result<Request> request = make_request(header);
    if (!request.ok()) {
      reject_and_close(Response::error(request.status()));
      return;
    }
    auto task = [self = shared_from_this(), request = std::move(*request)]() mutable {
      Response response = self->server_.run_precheck(request);
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->on_precheck(std::move(response));
      });
    };
    if (!server_.pool().try_submit(std::move(task))) {
      server_.rejected_queue_full_++;
      reject_and_close(Response::error(
          unavailable("server is busy: the request queue is full; retry after a second")));
    }
  }

  void on_precheck(Response response) {
    if (response.status != 100) {
      write_and_close(std::move(response));
      return;
    }
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    state_ = State::kWriting;
    stream_.transport().expires_after(server_.options().read_timeout);
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) {
                         self->close();
                         return;
                       }
                       // The body gets a full read timeout of its own.
                       self->state_ = State::kReading;
                       self->arm_request_timer();
                       self->read_body();
                     });
  }

  void read_body() {
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_body(ec); });
  }

  void on_body(beast::error_code ec) {
    if (ec || timed_out_) {
      on_read_error(ec);
      return;
    }
    stop_request_timer();
    handle_request(parser_->release());
  }

  void on_read_error(beast::error_code ec) {
    stop_request_timer();
    if (timed_out_) {
      logger().debug("request from {} not received whole within the read timeout; sending 408",
                     remote_address_);
      reject_and_close(
          plain_error(408, "request_timeout",
                      "request not received whole within " +
                          std::to_string(server_.options().read_timeout.count()) +
                          " ms of its first byte; send the whole request at once and retry"));
      return;
    }
    if (ec == bhttp::error::body_limit) {
      reject_and_close(
          Response::error(too_large("request body is larger than the limit of " +
                                    std::to_string(server_.options().max_body_bytes) + " bytes")));
      return;
    }
    if (ec == bhttp::error::header_limit) {
      reject_and_close(plain_error(431, "header_fields_too_large",
                                   "request line and header fields exceed the limit of " +
                                       std::to_string(server_.options().max_header_bytes) +
                                       " bytes"));
      return;
    }
    if (is_disconnect(ec) || ec == bhttp::error::partial_message) {
      close();
      return;
    }
    reject_and_close(Response::error(invalid_argument("malformed HTTP request: " + ec.message())));
  }

  // Builds the Request passed to a handler from the header (the body is left
  // empty). Errors: a target that is not an absolute path, a bad query.
  Result<Request> make_request(const bhttp::request_header<>& header) const {
    Request request;
    request.method = method_;
    request.remote_address = remote_address_;
    std::string_view target(header.target().data(), header.target().size());
    if (target.empty() || target.front() != '/') {
      return invalid_argument("request target must be an absolute path starting with '/'");
    }
    size_t question = target.find('?');
    request.raw_path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) {
      FLOECAT_ASSIGN_OR_RETURN(request.query, parse_query(target.substr(question + 1)));
    }
    for (const auto& field : header) {
      std::string name(field.name_string());
      auto [it, inserted] = request.headers.emplace(name, std::string(field.value()));
      if (!inserted) {  // repeated fields combine as a comma-separated list
        it->second += ", ";
        it->second += std::string(field.value());
      }
    }
    return request;
  }

  // Zeroes the bytes of requests already parsed out of buffer_. Beast keeps
  // consumed bytes in the buffer's storage until new input overwrites them;
  // once everything is consumed the whole storage is writable again.
  // NOTE: with a pipelined request still in the buffer the earlier bytes
  // stay until the buffer is empty after a later request.
  void wipe_consumed_input() {
    if (buffer_.size() != 0) {
      return;
    }
    auto storage = buffer_.prepare(buffer_.capacity());
    secure_wipe(storage.data(), storage.size());
  }

  void handle_request(RequestMessage message) {
    state_ = State::kHandling;
    keep_alive_ = message.keep_alive();
    Result<Request> request = make_request(message);
    if (!request.ok()) {
      report_rejection(400);
      write_response(Response::error(request.status()));
      return;
    }
    request->body.assign(message.body().data(), message.body().size());
    wipe_consumed_input();
    submit(std::move(*request));
  }

  void submit(Request request) {
    server_.requests_total_++;
    server_.requests_in_flight_++;
    auto task = [self = shared_from_this(), request = std::move(request)]() mutable {
      Response response = self->server_.run_handler(request);
      secure_wipe(request.body.data(), request.body.size());
      self->server_.requests_in_flight_--;
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->write_response(std::move(response));
      });
    };
    if (!server_.pool().try_submit(std::move(task))) {
      server_.requests_in_flight_--;
      server_.rejected_queue_full_++;
      report_rejection(503);
      write_response(Response::error(
          unavailable("server is busy: the request queue is full; retry after a second")));
    }
  }

  // Reports a request rejected without a handler to ServerOptions::on_reject.
  void report_rejection(int status) {
    const auto& on_reject = server_.options().on_reject;
    if (!on_reject) {
      return;
    }
    RejectedRequest rejected;
    rejected.remote_address = remote_address_;
    if (header_read_) {
      rejected.method = method_;
      rejected.path = path_;
    }
    rejected.status = status;
    on_reject(rejected);
  }

  void reject_and_close(Response response) {
    report_rejection(response.status);
    write_and_close(std::move(response));
  }

  // Sends the response to a request that was not read whole, then closes the connection.
  void write_and_close(Response response) {
    keep_alive_ = false;
    linger_ = true;
    write_response(std::move(response));
  }

  void write_response(Response response) {
    state_ = State::kWriting;
    status_ = response.status;
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>();
    message->version(11);
    message->result(static_cast<unsigned>(response.status));
    for (const auto& [name, value] : response.headers) {
      message->set(name, value);
    }
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive_ && !server_.stopping());
    message->prepare_payload();
    if (method_ == "HEAD") {  // Content-Length stays, the body is not sent
      message->body().clear();
    }

    // A client that does not read its response is cut off like a slow sender.
    stream_.transport().expires_after(server_.options().read_timeout);
    bhttp::async_write(stream_, *message,
                       [self = shared_from_this(), message](beast::error_code ec, size_t) {
                         self->on_write(ec, message->keep_alive());
                       });
  }

  void on_write(beast::error_code ec, bool keep_alive) {
    auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started_at_);
    logger().debug("{} {} {} {}ms", method_, path_, status_, elapsed.count());
    if (!ec && !keep_alive && linger_) {
      linger();
      return;
    }
    if (ec || !keep_alive) {
      close();
      return;
    }
    wait_for_request();
  }

  // Closing a socket that still has unread request bytes makes the kernel
  // send a reset, which can destroy the error response before the client
  // reads it. So the write side is shut first and the rest of the request is
  // read and discarded, for a bounded time and byte count, before closing.
  void linger() {
    state_ = State::kLingering;
    beast::error_code ignored;
    stream_.transport().socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.transport().expires_after(
        std::min<std::chrono::milliseconds>(server_.options().read_timeout, kMaxLingerTime));
    discard_input();
  }

  void discard_input() {
    buffer_.consume(buffer_.size());
    wipe_consumed_input();
    stream_.async_read_some(buffer_.prepare(16 * 1024),
                            [self = shared_from_this()](beast::error_code ec, size_t bytes) {
                              self->lingered_bytes_ += bytes;
                              if (ec || self->lingered_bytes_ > kMaxLingerBytes) {
                                self->close();
                                return;
                              }
                              self->discard_input();
                            });
  }

  void close() {
    if (state_ == State::kClosed) {
      return;
    }
    state_ = State::kClosed;
    stop_request_timer();
    beast::error_code ignored;
    stream_.transport().socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.transport().close();
  }

  Server::Impl& server_;
  Stream stream_;
  WipingFlatBuffer buffer_;
  std::optional<bhttp::request_parser<WipingBody>> parser_;
  // Limits reading one request to the read timeout; see arm_request_timer().
  net::steady_timer request_timer_;
  uint64_t timer_generation_ = 0;
  bool timed_out_ = false;
  State state_ = State::kWaiting;
  bool keep_alive_ = true;
  bool linger_ = false;
  size_t lingered_bytes_ = 0;
  std::string remote_address_ = "unknown";
  // Whether method_ and path_ belong to the request being read.
  bool header_read_ = false;
  std::string method_ = "-";
  std::string path_ = "-";
  int status_ = 0;
  SteadyClock::time_point started_at_ = SteadyClock::now();
};

}  // namespace server_internal

Status Server::Impl::validate_options() const {
  if (options_.io_threads < 1) {
    return invalid_argument("server option io_threads must be at least 1");
  }
  if (options_.worker_threads < 1) {
    return invalid_argument("server option worker_threads must be at least 1");
  }
  if (options_.max_queued < 1) {
    return invalid_argument("server option max_queued must be at least 1");
  }
  if (options_.max_header_bytes < 1 || options_.max_header_bytes > UINT32_MAX) {
    return invalid_argument("server option max_header_bytes must be between 1 and 2^32-1");
  }
  if (options_.tls_cert_file.empty() != options_.tls_key_file.empty()) {
    return invalid_argument("server options tls_cert_file and tls_key_file must be set together");
  }
  if (options_.read_timeout.count() <= 0 || options_.idle_timeout.count() <= 0) {
    return invalid_argument("server options read_timeout and idle_timeout must be positive");
  }
  return Status::ok_status();
}

Status Server::Impl::start() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (started_) {
      return failed_precondition("server already started");
    }
  }
  FLOECAT_RETURN_IF_ERROR(validate_options());
  if (!options_.tls_cert_file.empty()) {
    FLOECAT_ASSIGN_OR_RETURN(tls_context_,
                             make_tls_context(options_.tls_cert_file, options_.tls_key_file));
  }

  std::string address = options_.host + ":" + std::to_string(options_.port);
  beast::error_code ec;
  std::string host = options_.host == "localhost" ? "127.0.0.1" : options_.host;
  net::ip::address ip = net::ip::make_address(host, ec);
  if (ec) {
    return invalid_argument("server host '" + options_.host +
                            "' is not an IP address (use e.g. 127.0.0.1)");
  }
  tcp::endpoint endpoint(ip, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor_.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    beast::error_code ignored;
    acceptor_.close(ignored);
    return unavailable("cannot listen on " + address + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint(ec).port();

  {
    std::lock_guard<std::mutex> lock(mutex_);
    started_ = true;
  }
  pool_ = std::make_unique<WorkerPool>(options_.worker_threads, options_.max_queued);
  work_guard_.emplace(net::make_work_guard(ioc_));
  accept_next();
  for (int i = 0; i < options_.io_threads; ++i) {
    io_threads_.emplace_back([this] { ioc_.run(); });
  }
  logger().info("{} server listening on {}:{} ({} I/O threads, {} workers)",
                tls_context_ ? "HTTPS" : "HTTP", host, port_, options_.io_threads,
                options_.worker_threads);
  return Status::ok_status();
}

void Server::Impl::accept_next() {
  acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || stopping()) {
      return;
    }
    if (ec) {
      // Errors such as running out of file descriptors repeat at once, so
      // the next attempt waits a little and the failures are counted.
      uint64_t failures = ++accept_failures_;
      if (failures == 1 || failures % 1000 == 0) {
        logger().warn("accepting a connection on port {} failed ({} failures so far): {}", port_,
                      failures, ec.message());
      }
      accept_retry_timer_.expires_after(kAcceptRetryDelay);
      accept_retry_timer_.async_wait([this](beast::error_code) { accept_next(); });
      return;
    }
    auto session = std::make_shared<Session>(*this, std::move(socket));
    register_session(session);
    session->start();
    accept_next();
  });
}

void Server::Impl::register_session(const std::shared_ptr<Session>& session) {
  std::lock_guard<std::mutex> lock(mutex_);
  sessions_[session.get()] = session;
}

void Server::Impl::unregister_session(Session* session) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    sessions_.erase(session);
  }
  changed_.notify_all();
}

Response Server::Impl::run_handler(Request& request) {
  try {
    return router_.dispatch(request);
  } catch (const std::exception& e) {
    // The exception text may quote request data, so only its type is logged.
    logger().error("handler for {} {} threw {}", request.method, request.raw_path,
                   typeid(e).name());
  } catch (...) {
    logger().error("handler for {} {} threw a non-standard exception", request.method,
                   request.raw_path);
  }
  return Response::error(internal_error("internal error while handling the request"));
}

Response Server::Impl::run_precheck(Request& request) {
  try {
    return router_.precheck(request);
  } catch (const std::exception& e) {
    logger().error("checks for {} {} threw {}", request.method, request.raw_path, typeid(e).name());
  } catch (...) {
    logger().error("checks for {} {} threw a non-standard exception", request.method,
                   request.raw_path);
  }
  return Response::error(internal_error("internal error while checking the request"));
}

void Server::Impl::stop() {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!started_ || stopped_) {
      return;
    }
    if (stopping_.exchange(true)) {  // another thread is stopping the server
      changed_.wait(lock, [this] { return stopped_; });
      return;
    }
    for (auto& [pointer, weak] : sessions_) {
      if (auto session = weak.lock()) {
        live.push_back(std::move(session));
      }
    }
  }
  net::post(acceptor_.get_executor(), [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_timer_.cancel();
  });
  for (const auto& session : live) {
    session->close_if_not_busy();
  }
  live.clear();

  {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return sessions_.empty(); });
  }
  // With the acceptor closed and no connections left, run() returns once
  // the guard is gone.
  work_guard_.reset();
  for (std::thread& thread : io_threads_) {
    thread.join();
  }
  io_threads_.clear();
  pool_->shutdown();
  logger().info("HTTP server on port {} stopped", port_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
  }
  changed_.notify_all();
}

void Server::Impl::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return !started_ || stopped_; });
}

ServerCounters Server::Impl::counters() const {
  ServerCounters counters;
  counters.requests_total = requests_total_.load();
  counters.requests_in_flight = requests_in_flight_.load();
  counters.rejected_queue_full = rejected_queue_full_.load();
  counters.connections_open = connections_open_.load();
  return counters;
}

Server::Server(ServerOptions options, Router router)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router))) {}

Server::~Server() {
  impl_->stop();
}

Status Server::start() {
  return impl_->start();
}

uint16_t Server::port() const {
  return impl_->port();
}

void Server::stop() {
  impl_->stop();
}

void Server::wait() {
  impl_->wait();
}

ServerCounters Server::counters() const {
  return impl_->counters();
}

}  // namespace floecat::http
