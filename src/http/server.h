#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "http/message.h"

namespace floecat::http {

namespace server_internal {
class Session;
}  // namespace server_internal

// A request the server rejected itself, before any handler or middleware
// ran: a size limit, the read timeout, a malformed request or a full queue.
struct RejectedRequest {
  std::string remote_address;
  // Empty when the request line was not read whole.
  std::string method;
  std::string path;
  int status = 0;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  // 0 picks a free port; port() returns the one bound.
  uint16_t port = 8181;
  // Threads that accept connections, parse requests and write responses.
  int io_threads = 1;
  // Threads that run handlers; handlers never run on an I/O thread.
  int worker_threads = 4;
  // Requests waiting for a free worker. Beyond it the I/O thread responds 503
  // with Retry-After at once.
  size_t max_queued = 256;
  // A larger body gets 413 and the handler is not called.
  size_t max_body_bytes = 1024 * 1024;
  // The request line plus all header fields; beyond it the response is 431.
  size_t max_header_bytes = 16 * 1024;
  // More header fields than this get 431.
  size_t max_header_count = 100;
  // A request must arrive whole within this time once its first byte has
  // arrived, so a client that trickles bytes cannot hold a connection.
  std::chrono::milliseconds read_timeout = std::chrono::seconds(30);
  // A connection that sends no byte of a next request for this long is closed.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  // With both set, every connection speaks TLS (1.2 or newer) with this
  // PEM certificate chain and private key; with neither, plain HTTP. One
  // without the other is an error at start().
  std::string tls_cert_file;
  std::string tls_key_file;
  // Called on an I/O thread for every RejectedRequest, e.g. to audit it. It
  // must be quick and must not throw.
  std::function<void(const RejectedRequest&)> on_reject;
};

// Counters for metrics; each value is read atomically but the set is not a
// consistent snapshot.
struct ServerCounters {
  uint64_t requests_total = 0;       // requests handed to the router
  uint64_t requests_in_flight = 0;   // queued or running on a worker
  uint64_t rejected_queue_full = 0;  // rejected with 503 because the queue was full
  uint64_t connections_open = 0;
};

// An HTTP/1.1 server on Boost.Beast. I/O threads accept connections and parse
// requests; each request is then handed to a bounded worker pool that calls
// the router, and the response is written back on the connection's strand.
// Keep-alive is supported. Malformed HTTP gets 400 and the connection is
// closed; an exception that escapes a handler gets 500 with a generic message.
//
// Thread safety: start(), stop() and wait() may be called from any thread;
// the router must not be changed after construction.
class Server {
 public:
  Server(ServerOptions options, Router router);
  ~Server();  // calls stop()

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the I/O and worker threads. Returns
  // kUnavailable naming the address when it cannot bind, and
  // kFailedPrecondition when called twice.
  Status start();

  // The bound port (useful with port 0). REQUIRES: start() succeeded.
  uint16_t port() const;

  // Stops accepting, closes idle connections, lets requests already received
  // finish and their responses be written, then joins all threads. Safe to
  // call more than once and from any thread except a handler.
  // NOTE: a handler that never returns makes stop() wait for ever.
  void stop();

  // Blocks until stop() has finished (from another thread).
  void wait();

  ServerCounters counters() const;

 private:
  friend class server_internal::Session;
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace floecat::http
