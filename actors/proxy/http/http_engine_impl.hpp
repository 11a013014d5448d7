#pragma once
// Inside http_engine (not for other users): the connections and the engine thread's state.
// http_engine.cpp runs the loop, accepts and times out; http_engine_client.cpp reads and
// parses requests; http_engine_backend.cpp connects, frames responses and handles failures.
// Everything here runs on the engine thread, except the members marked otherwise.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "actors/proxy/http/http_engine.hpp"
#include "actors/proxy/http/http_request_parser.hpp"
#include "actors/proxy/http/http_response_framer.hpp"
#include "actors/proxy/http/http_router.hpp"
#include "actors/proxy/http/http_server_picker.hpp"
#include "runtime/net/tls_session.hpp"
#include "runtime/net/wake_event.hpp"

namespace hamesh::proxy::http {

using steady = std::chrono::steady_clock;

struct http_client_conn;
struct http_backend_conn;

// What an epoll event points at.
struct http_endpoint {
  enum class kind { listener, wake, client, backend };
  explicit http_endpoint(kind k) : what(k) {}
  kind what;
  int fd = -1;
  bool dead = false;      // closed; freed after the current batch of events
  bool queued = false;    // in the engine's ready list
  bool readable = false;  // edge-triggered: the socket may hold unread bytes
  bool paused = false;    // not read because the peer's output is over the cap
  std::string out;        // bytes to write to this socket
  size_t out_off = 0;
  size_t pending_out() const { return out.size() - out_off; }
};

// The request a client connection has in flight.
struct http_request_state {
  std::string method;
  bool keep_alive = true;
  bool idempotent = false;
  bool head_request = false;
  bool upgrade = false;           // asked to upgrade: the Upgrade field goes to the backend
  bool done = false;              // the parser gave its message_end
  bool response_started = false;  // the final response head went to the client
  bool close_after = false;       // the client connection closes after this response
  size_t pool = 0;
  size_t server = 0;
  bool counted = false;  // counted in the server's outstanding requests
  int attempts = 0;
  std::optional<size_t> failed_server;
  // For the access log.
  std::string target;
  int minor_version = 1;
  std::chrono::steady_clock::time_point started{};
  uint64_t response_bytes = 0;
  std::optional<size_t> preferred;  // session affinity's server, when the pool has one
  bool set_cookie = false;          // pin the client to the server that answers
  // The bytes sent so far (head and body), to send again on a retry; dropped past a cap.
  std::string replay;
  bool replayable = true;
};

struct http_client_conn : http_endpoint {
  explicit http_client_conn(const http_limits& limits)
      : http_endpoint(kind::client), parser(limits) {}
  enum class phase {
    waiting_head,  // no request in flight; parsing for the next head
    in_request,    // head sent to a backend, body events being forwarded
    request_sent,  // the request is complete; waiting for the response to end
    closing,       // flushing a last answer, then lingering
    lingering,     // write side shut; reading and dropping until EOF or a deadline
    tunnel,        // after 101: bytes pass both ways untouched until either side closes
  };
  phase state = phase::waiting_head;
  http_request_parser parser;
  std::string in;
  size_t in_off = 0;
  bool eof = false;
  std::string ip;                         // dotted quad, for X-Forwarded-For
  std::unique_ptr<net::tls_session> tls;  // TLS listeners: every byte to and from the client
  http_request_state request;
  http_backend_conn* backend = nullptr;
  bool first_request = true;
  steady::time_point accepted_at, idle_since, last_progress, linger_deadline;
  std::optional<steady::time_point> head_since;  // the first byte of the head awaited
  std::list<http_client_conn>::iterator self;
};

struct http_backend_conn : http_endpoint {
  explicit http_backend_conn(const http_limits& limits)
      : http_endpoint(kind::backend), framer(limits) {}
  size_t pool = 0;
  size_t server = 0;
  bool connecting = true;
  bool connect_event = false;  // epoll reported the connect's outcome
  bool idle = false;           // in its server's idle list
  bool tunnel = false;         // after 101: bytes pass to the client untouched
  bool shut_write = false;     // the client ended its side of the tunnel; so did we here
  http_response_framer framer;
  http_client_conn* client = nullptr;
  steady::time_point deadline;  // connect deadline, then response inactivity deadline
  std::list<http_backend_conn>::iterator self;
};

class http_engine::impl {
 public:
  explicit impl(http_engine_settings settings);
  ~impl();
  std::string start(int inherited_listener);

  // Any thread.
  http_engine_settings settings_;
  http_engine_counters counters_;
  std::atomic<uint16_t> port_{0};
  std::atomic<int> listen_socket_{-1};
  std::atomic<bool> draining_requested_{false};
  std::atomic<bool> close_idle_on_drain_{true};
  std::atomic<bool> stop_{false};
  std::mutex commands_mutex_;
  struct server_verdict {
    size_t pool, server;
    bool up;
  };
  std::vector<server_verdict> commands_;  // guarded by commands_mutex_
  net::wake_event wake_;
  void wake() { wake_.wake(); }
  size_t pool_index_of(std::string_view name) const;

  // Engine thread from here on.
  struct pool_state {
    http_server_picker picker;
    std::vector<std::vector<http_backend_conn*>> idle;  // per server
  };
  std::optional<http_router> router_;
  std::vector<pool_state> pools_;
  int epfd_ = -1;
  int listen_fd_ = -1;
  bool draining_ = false;
  std::optional<steady::time_point> starved_until_;  // listener paused: out of fds
  std::thread thread_;
  std::list<http_client_conn> clients_;
  std::list<http_backend_conn> backends_;
  std::vector<std::list<http_client_conn>::iterator> dead_clients_;
  std::vector<std::list<http_backend_conn>::iterator> dead_backends_;
  std::vector<http_endpoint*> ready_;
  http_endpoint listen_tag_{http_endpoint::kind::listener};
  http_endpoint wake_tag_{http_endpoint::kind::wake};
  steady::time_point now_;

  // http_engine.cpp
  void run();
  void watch(int fd, uint32_t events, http_endpoint* tag);
  void mark_ready(http_endpoint& e);
  void process_ready();
  void pump(http_endpoint& e);
  void accept_all();
  void on_wake();
  void sweep();
  void publish_up(size_t pool, size_t server);
  void bury();
  // Writes what is pending; false when the socket failed.
  bool flush(http_endpoint& e, bool to_client);

  // http_engine_client.cpp
  void pump_client(http_client_conn& c);
  void read_client(http_client_conn& c);
  void parse_requests(http_client_conn& c);
  void on_request_head(http_client_conn& c);
  void on_request_body(http_client_conn& c, std::string_view data);
  void on_request_error(http_client_conn& c);
  void on_client_eof(http_client_conn& c);
  void reply(http_client_conn& c, int status);
  // The access log's line for the request `c` has just been answered (by a server or not).
  void log_access(http_client_conn& c, int status, bool by_server);
  void close_client(http_client_conn& c);
  void next_request(http_client_conn& c);
  // TLS: runs the handshake; false while it is not done (or failed: the client is closed).
  bool handshake(http_client_conn& c);
  // Tunnels (after 101): client bytes to the backend, EOFs passed on.
  void pump_tunnel(http_client_conn& c);
  void redirect_to_https(http_client_conn& c);

  // http_engine_backend.cpp
  enum class failure { connect, closed_early, malformed, timeout };
  // Picks a server and sends the request there; false when it answered an error instead.
  bool dispatch(http_client_conn& c, int status_when_none);
  http_backend_conn* connect(size_t pool, size_t server);
  void pump_backend(http_backend_conn& b);
  void on_connected(http_backend_conn& b);
  void feed_response(http_backend_conn& b, std::string_view input);
  void on_response_end(http_backend_conn& b, bool reusable);
  void start_tunnel(http_backend_conn& b, std::string_view head);
  void on_backend_eof(http_backend_conn& b);
  void request_failed(http_backend_conn& b, failure f);
  void release_server(http_client_conn& c);
  void close_backend(http_backend_conn& b);
};

}  // namespace hamesh::proxy::http
