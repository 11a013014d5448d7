#pragma once
// The data plane of one [[proxy.http]] listener: an HTTP/1.1 reverse proxy on an epoll thread
// of its own (haproxy's nbthread 1 per listener). CAF-free; the owning actor starts it, feeds
// it probe verdicts and reads its counters.
//
// Measured before choosing it: a CAF broker answers a fixed 200 at 0.95x haproxy, a plain
// epoll loop at 1.32x; a proxy does about twice that I/O, so the bytes move here.
//
// One request in flight per client connection (pipelined requests wait in its buffer);
// backend connections are kept alive and reused per server. Upgrade requests are declined
// (Upgrade is hop-by-hop and stripped, the backend answers the plain request): tunnels are
// future work.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "actors/proxy/http/http_engine_counters.hpp"
#include "actors/proxy/http/http_engine_settings.hpp"

namespace hamesh::proxy::http {

class http_engine {
 public:
  explicit http_engine(http_engine_settings settings);
  ~http_engine();  // stops the thread, closes every socket
  http_engine(const http_engine&) = delete;
  http_engine& operator=(const http_engine&) = delete;

  // Validates the routes, binds (IP_FREEBIND: the address may come with VRRP mastership) and
  // runs the thread: "" or why it cannot. With `inherited_listener` (another engine's
  // listen_socket(), same address) it accepts on a duplicate of that socket instead of binding:
  // a reload hands the listener over and no connection waiting in its backlog is lost.
  std::string start(int inherited_listener = -1);
  // The listening socket, for a successor's start(); -1 once stop_accepting() ran.
  int listen_socket() const;
  // The bound port (the kernel's pick when the settings said 0); 0 before start().
  uint16_t port() const;

  // From the probes' verdicts; any thread. False for an unknown pool or server index.
  bool set_server_up(std::string_view pool, size_t server, bool up);
  // Graceful drain: the listener closes, in-flight requests finish (their responses carry
  // Connection: close). Idle keep-alive clients are closed at once when `close_idle` (a
  // stop), else each gets one more request answered with Connection: close (a reload: a
  // client never finds its connection closed under a request it just sent).
  void stop_accepting(bool close_idle = true);
  uint64_t open_connections() const;
  const http_engine_counters& counters() const;
  // The index of a pool in counters() (the order of the settings), or npos.
  size_t pool_index(std::string_view pool) const;

  class impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace hamesh::proxy::http
