#pragma once
// What one [[proxy.http]] listener's engine runs on: the listener, the pools, the routes, the
// limits and the timeouts. Plain data; the config section is parsed into it elsewhere.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/proxy/http/http_access_log.hpp"
#include "actors/proxy/http/http_limits.hpp"
#include "actors/proxy/http/http_router.hpp"
#include "runtime/net/tls_server_context.hpp"

namespace hamesh::proxy::http {

enum class http_balance {
  round_robin,        // servers in turn
  least_connections,  // the server with the fewest outstanding requests (ties in turn)
};

struct http_server_address {
  uint32_t address = 0;  // IPv4, host order
  uint16_t port = 0;
};

enum class http_affinity {
  none,
  cookie,  // the proxy inserts a cookie naming the server and honours it (http_affinity.hpp)
  source,  // the client's address picks the server
};

struct http_pool_settings {
  std::string name;
  std::vector<http_server_address> servers;
  http_balance balance = http_balance::round_robin;
  http_affinity affinity = http_affinity::none;
  std::string cookie_name = "HAMESH_SERVER";
};

struct http_engine_settings {
  uint32_t address = 0;  // IPv4, host order (0: any)
  uint16_t port = 0;     // 0: the kernel picks; http_engine::port() tells which
  std::vector<http_pool_settings> pools;
  std::vector<http_route_rule> routes;
  std::optional<std::string> default_pool;
  http_limits limits;
  // No byte of a next request on a keep-alive client connection for this long: closed.
  std::chrono::milliseconds client_idle_timeout{60000};
  // A request head not complete this long after its first byte (after the accept for the
  // first request): 408 and closed (slowloris).
  std::chrono::milliseconds request_head_timeout{10000};
  std::chrono::milliseconds backend_connect_timeout{3000};
  // No byte to or from the backend this long while a response is awaited: 504.
  std::chrono::milliseconds backend_response_timeout{30000};
  // An idle Upgrade tunnel (WebSocket and the like: no byte either way) closes after this.
  std::chrono::milliseconds tunnel_idle_timeout{3600000};
  // TLS termination: clients speak TLS, certificates chosen by SNI (null: plain HTTP).
  std::shared_ptr<const net::tls_server_context> tls;
  // Plain listeners only: every request is answered with a redirect to https://<host>[:port]
  // <target> (301 for GET and HEAD, 308 otherwise, which keeps the method and body).
  std::optional<uint16_t> redirect_https_port;
  // X-Forwarded-For (the client's address, appended) and X-Forwarded-Proto (http or https).
  bool forwarded_headers = true;
  // Idle keep-alive backend connections kept per server. Measured (tools/bench/http, 64
  // clients): a cap of 16 closed and reopened backend connections under load, 24k req/s;
  // 1024 kept them, 39k (haproxy's pool-max-conn is unlimited by default).
  size_t max_idle_per_server = 1024;
  // Passive failure detection: this many consecutive connect failures take a server out of
  // the rotation for `down_cooldown`, then it is tried again.
  unsigned failures_to_mark_down = 3;
  std::chrono::milliseconds down_cooldown{5000};
  // Bytes waiting for a peer beyond which the side that fills them is no longer read.
  size_t output_buffer_cap = 256 * 1024;
  // One record per request answered, called on the engine thread (empty: no access log).
  std::function<void(const http_access_record&)> access_log;
};

}  // namespace hamesh::proxy::http
