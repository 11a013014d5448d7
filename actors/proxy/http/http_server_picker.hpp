#pragma once
// Which server of a pool takes the next request (pure: time is an argument). A server is
// eligible when the probes say up and passive detection has not taken it out: after
// `failures_to_mark_down` consecutive connect failures it rests for `cooldown`, then one
// more failure takes it out again until a connect succeeds.
#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

#include "actors/proxy/http/http_engine_settings.hpp"

namespace hamesh::proxy::http {

class http_server_picker {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  http_server_picker(size_t servers, http_balance balance, unsigned failures_to_mark_down,
                     std::chrono::steady_clock::duration cooldown);

  // An eligible server other than `exclude` (the one a retry leaves), or nullopt; `prefer`
  // (session affinity) when it is eligible.
  std::optional<size_t> pick(time_point now, std::optional<size_t> exclude = std::nullopt,
                             std::optional<size_t> prefer = std::nullopt);

  void request_started(size_t server) { ++servers_[server].outstanding; }
  void request_finished(size_t server);
  void connect_failed(size_t server, time_point now);
  void connect_succeeded(size_t server) { servers_[server].consecutive_failures = 0; }
  void set_probed_up(size_t server, bool up) { servers_[server].probed_up = up; }

  bool eligible(size_t server, time_point now) const;
  size_t outstanding(size_t server) const { return servers_[server].outstanding; }
  size_t size() const { return servers_.size(); }

 private:
  struct server_state {
    bool probed_up = true;
    unsigned consecutive_failures = 0;
    time_point down_until{};
    size_t outstanding = 0;
  };
  std::vector<server_state> servers_;
  http_balance balance_;
  unsigned failures_to_mark_down_;
  std::chrono::steady_clock::duration cooldown_;
  size_t cursor_ = 0;  // where the round-robin scan starts
};

}  // namespace hamesh::proxy::http
