#pragma once
// What the HTTP and mail listener actors share, CAF-free: the engine serving the listening
// socket, a reload's hand-over to a new engine (the old one stops accepting and is retired
// until it is done or its deadline passes), the probes' last verdict per backend, and the
// graceful stop's drain. The actors keep their configs, fields and log lines, build engines
// themselves (TLS, access logs) and call this from their handlers.
//
// Engine: open_connections(), stop_accepting(bool close_idle), listen_socket().
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "actors/proxy/retiring_engines.hpp"

namespace hamesh::proxy {

template <class Engine>
class listener_core {
 public:
  using clock = std::chrono::steady_clock;
  // What a probe watches, in the listener's terms: (pool, server) or (pair, member).
  using target = std::pair<size_t, size_t>;

  struct verdict {
    target of;
    bool up = true;
    bool changed = false;  // against the last verdict for that probe (none yet: up)
  };

  explicit listener_core(std::unique_ptr<Engine> first) : engine_(std::move(first)) {}

  Engine& engine() { return *engine_; }
  const Engine& engine() const { return *engine_; }
  uint64_t reloads() const { return reloads_; }

  // The listening socket for a reload's new engine: the running one's when the address stays.
  int socket_to_hand_over(bool same_address) const {
    return same_address ? engine_->listen_socket() : -1;
  }

  // The reload's new engine (started, listening) takes over; the running one stops accepting
  // and finishes what it has until `retire_deadline`. Returns what the old one still holds.
  uint64_t replace(std::unique_ptr<Engine> next, clock::time_point retire_deadline) {
    auto previous = std::move(engine_);
    engine_ = std::move(next);
    ++reloads_;
    previous->stop_accepting(false);
    uint64_t open = previous->open_connections();
    retiring_.add(std::move(previous), retire_deadline);
    return open;
  }

  // Retired engines done or past their deadline are dropped: the connections that cut.
  uint64_t sweep_retired(clock::time_point now) { return retiring_.sweep(now); }
  bool retiring() const { return !retiring_.empty(); }
  uint64_t retiring_open() const { return retiring_.open_connections(); }

  // Which probe path watches which target; set at start and after each reload. Verdicts of
  // paths no longer listed are forgotten.
  void set_probe_targets(std::map<std::string, target> targets) {
    targets_ = std::move(targets);
    for (auto it = last_up_.begin(); it != last_up_.end();)
      it = targets_.count(it->first) ? std::next(it) : last_up_.erase(it);
  }
  const std::map<std::string, target>& probe_targets() const { return targets_; }
  std::set<std::string> probe_paths() const {
    std::set<std::string> paths;
    for (auto& [path, t] : targets_) paths.insert(path);
    return paths;
  }

  // A probe's verdict: its target and whether it is up ("down" only is down: unknown counts
  // as up, as for IPVS), or nothing for a path that is not ours.
  std::optional<verdict> on_verdict(const std::string& path, const std::string& said) {
    auto it = targets_.find(path);
    if (it == targets_.end()) return std::nullopt;
    verdict v{it->second, said != "down", false};
    auto last = last_up_.find(path);
    v.changed = last == last_up_.end() ? !v.up : last->second != v.up;
    last_up_[path] = v.up;
    return v;
  }

  // What the probes last said of each current target, for a new engine (which starts with
  // every backend up): f(target, up).
  template <class F>
  void for_each_verdict(F f) const {
    for (auto& [path, up] : last_up_)
      if (auto it = targets_.find(path); it != targets_.end()) f(it->second, up);
  }

  // A stop: nothing more accepted, the retired engines close their idle clients too. Returns
  // the connections still open everywhere.
  uint64_t stop_accepting() {
    engine_->stop_accepting(true);
    retiring_.stop_all();
    return open_connections();
  }
  uint64_t open_connections() const {
    return engine_->open_connections() + retiring_.open_connections();
  }

  // A graceful stop waits for open connections until `deadline`.
  void begin_drain(clock::time_point deadline) { drain_deadline_ = deadline; }
  bool drained(clock::time_point now) const {
    return open_connections() == 0 || (drain_deadline_ && now >= *drain_deadline_);
  }

 private:
  std::unique_ptr<Engine> engine_;
  retiring_engines<Engine> retiring_;
  uint64_t reloads_ = 0;
  std::map<std::string, target> targets_;
  std::map<std::string, bool> last_up_;  // the last verdict per probe path
  std::optional<clock::time_point> drain_deadline_;
};

}  // namespace hamesh::proxy
