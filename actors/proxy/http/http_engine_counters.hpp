#pragma once
// The counters of one HTTP listener. Relaxed atomics: the engine thread writes them, other
// threads (the actor, hameshctl, /metrics) read recent values, not a consistent cut.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace hamesh::proxy::http {

struct http_server_counters {
  std::atomic<uint64_t> active{0};    // requests outstanding on the server
  std::atomic<uint64_t> requests{0};  // requests sent to it (retries included)
  std::atomic<uint64_t> failures{0};  // connect failures, closes before a response, timeouts
  std::atomic<bool> up{true};         // set up by the probes and not passively marked down
};

class http_engine_counters {
 public:
  explicit http_engine_counters(const std::vector<size_t>& servers_per_pool) {
    for (size_t n : servers_per_pool) {
      pools_.push_back(std::make_unique<http_server_counters[]>(n));
      sizes_.push_back(n);
    }
  }

  static void add(std::atomic<uint64_t>& c, uint64_t n = 1) {
    c.fetch_add(n, std::memory_order_relaxed);
  }
  static void sub(std::atomic<uint64_t>& c, uint64_t n = 1) {
    c.fetch_sub(n, std::memory_order_relaxed);
  }
  static uint64_t get(const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); }

  size_t pool_count() const { return pools_.size(); }
  size_t server_count(size_t pool) const { return sizes_.at(pool); }
  http_server_counters& server(size_t pool, size_t index) { return pools_.at(pool)[index]; }
  const http_server_counters& server(size_t pool, size_t index) const {
    return pools_.at(pool)[index];
  }
  // Responses sent to clients by class: [0] 1xx (interim included) .. [4] 5xx.
  std::atomic<uint64_t>& responses_of(int status) {
    return responses[size_t(status < 100 || status > 599 ? 4 : status / 100 - 1)];
  }

  std::atomic<uint64_t> accepted{0}, open{0}, requests{0};
  std::atomic<uint64_t> bytes_in{0};   // read from clients
  std::atomic<uint64_t> bytes_out{0};  // written to clients
  std::array<std::atomic<uint64_t>, 5> responses{};
  // Errors answered by the proxy itself, by reason.
  std::atomic<uint64_t> parse_errors{0};     // 400/413/414/431/501/505 from the parser
  std::atomic<uint64_t> not_found{0};        // 404: no route
  std::atomic<uint64_t> bad_gateway{0};      // 502
  std::atomic<uint64_t> unavailable{0};      // 503: no server up in the pool
  std::atomic<uint64_t> gateway_timeout{0};  // 504
  std::atomic<uint64_t> request_timeout{0};  // 408: request head too slow
  std::atomic<uint64_t> redirects{0};        // answered with a redirect to https
  std::atomic<uint64_t> tls_handshakes{0};   // completed
  std::atomic<uint64_t> tls_failures{0};     // handshakes failed or timed out
  std::atomic<uint64_t> tunnels{0};          // Upgrade tunnels opened (101)
  // A handler threw: the connection was closed, the engine went on.
  std::atomic<uint64_t> handler_failures{0};

 private:
  std::vector<std::unique_ptr<http_server_counters[]>> pools_;
  std::vector<size_t> sizes_;
};

}  // namespace hamesh::proxy::http
