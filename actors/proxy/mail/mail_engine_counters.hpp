#pragma once
// The counters of one mail listener. Relaxed atomics: the engine thread writes, the actor and
// hameshctl read recent values.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace hamesh::proxy::mail {

struct mail_member_counters {
  std::atomic<uint64_t> sessions{0};  // proxied sessions open to it now
  std::atomic<uint64_t> logins{0};    // logins it accepted
  std::atomic<uint64_t> failures{0};  // connect failures, backend errors, timeouts
  std::atomic<bool> up{true};         // probes say up and not passively marked down
};

class mail_engine_counters {
 public:
  explicit mail_engine_counters(const std::vector<size_t>& members_per_pair) {
    for (size_t n : members_per_pair) {
      pairs_.push_back(std::make_unique<mail_member_counters[]>(n));
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
  size_t member_count(size_t pair) const { return sizes_.at(pair); }
  mail_member_counters& member(size_t pair, size_t m) { return pairs_.at(pair)[m]; }
  const mail_member_counters& member(size_t pair, size_t m) const { return pairs_.at(pair)[m]; }

  std::atomic<uint64_t> accepted{0}, open{0};
  // Connections by state, now.
  std::atomic<uint64_t> prelogin{0}, logging_in{0}, proxying{0};
  std::atomic<uint64_t> logins_ok{0};
  std::atomic<uint64_t> logins_failed{0};       // the backend (or we) refused the credentials
  std::atomic<uint64_t> logins_unavailable{0};  // no member of the pair could answer
  std::atomic<uint64_t> refused_commands{0};    // BAD / -ERR before login
  std::atomic<uint64_t> closed_by_limits{0};    // line, literal, bad commands, failed logins
  std::atomic<uint64_t> login_timeouts{0};
  std::atomic<uint64_t> tls_handshakes{0}, tls_failures{0};
  std::atomic<uint64_t> bytes_in{0}, bytes_out{0};  // client side, after login included
  std::atomic<uint64_t> handler_failures{0};

 private:
  std::vector<std::unique_ptr<mail_member_counters[]>> pairs_;
  std::vector<size_t> sizes_;
};

}  // namespace hamesh::proxy::mail
