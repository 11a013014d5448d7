#pragma once
// Engines a reload replaced: each stopped accepting and finishes the connections it has, until
// they are gone or its deadline passes. Shared by the HTTP and mail listeners, whose reloads
// hand the listening socket to a new engine and keep the old one this way. CAF-free.
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace hamesh::proxy {

// Engine: open_connections() and stop_accepting(bool close_idle).
template <class Engine>
class retiring_engines {
 public:
  using clock = std::chrono::steady_clock;

  void add(std::unique_ptr<Engine> engine, clock::time_point deadline) {
    engines_.push_back({std::move(engine), deadline});
  }

  // Drops the engines that are done, or past their deadline (joining their threads and closing
  // their sockets); returns how many connections those cut.
  uint64_t sweep(clock::time_point now) {
    uint64_t cut = 0;
    for (auto it = engines_.begin(); it != engines_.end();) {
      auto open = it->engine->open_connections();
      if (open == 0 || now >= it->deadline) {
        cut += open;
        it = engines_.erase(it);
      } else {
        ++it;
      }
    }
    return cut;
  }

  // A graceful stop of the listener: the retiring engines close their idle clients too.
  void stop_all() {
    for (auto& r : engines_) r.engine->stop_accepting(true);
  }

  uint64_t open_connections() const {
    uint64_t open = 0;
    for (auto& r : engines_) open += r.engine->open_connections();
    return open;
  }

  bool empty() const { return engines_.empty(); }

 private:
  struct retiring {
    std::unique_ptr<Engine> engine;
    clock::time_point deadline;
  };
  std::vector<retiring> engines_;
};

}  // namespace hamesh::proxy
