#pragma once
// What the TCP and UDP forwarders share: counters the actor reads while the engine thread
// writes them, and the hand-over of a new pool to the engine thread.
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "actors/ipvs/data_plane.hpp"
#include "actors/ipvs/forwarder_settings.hpp"
#include "runtime/net/wake_event.hpp"

namespace hamesh::ipvs {

// Relaxed atomics: each counter is written by the engine thread only; readers want a recent
// value, not a consistent cut. One slot more than the pool: connections to a real server a
// reload removed finish there, counted but not shown.
class forwarder_counters {
 public:
  explicit forwarder_counters(size_t members);
  size_t retired() const { return size_; }  // the index of that extra slot
  // Takes the counts of `old`, member i going to remap[i] (npos: to the retired slot).
  void carry_over(const forwarder_counters& old, const std::vector<size_t>& remap);
  void add(std::atomic<uint64_t>& c, uint64_t n = 1) { c.fetch_add(n, std::memory_order_relaxed); }
  void sub(std::atomic<uint64_t>& c, uint64_t n = 1) { c.fetch_sub(n, std::memory_order_relaxed); }

  struct member {
    std::atomic<uint64_t> active{0}, inactive{0}, connections{0}, bytes_in{0}, bytes_out{0},
        connect_errors{0};
  };
  member& at(size_t i) { return members_[i]; }
  size_t size() const { return size_; }
  std::atomic<uint64_t> accepted{0}, no_server{0}, over_limit{0}, open{0};

  service_counters snapshot() const;

 private:
  size_t size_;
  std::unique_ptr<member[]> members_;
};

// A new pool for the engine, with new settings when a reload changed the service.
struct pool_change {
  pool_view pool;
  std::optional<forwarder_settings> settings;
};

// The latest change posted by the actor, picked up by the engine thread when woken (new
// settings are never dropped by a later pool-only change).
class pool_mailbox {
 public:
  pool_mailbox();
  ~pool_mailbox();
  int wake_fd() const { return wake_.fd(); }
  void post(const pool_view& pool, const std::optional<forwarder_settings>& settings = {});
  std::optional<pool_change> take();  // drains the wake-up too
  void wake();                        // wakes the engine without a change (to stop it)

 private:
  std::mutex mutex_;
  std::optional<pool_change> pending_;
  net::wake_event wake_;
};

// For each member of `from`, its index in `to` (same address and port), or npos.
std::vector<size_t> remap_members(const pool_view& from, const pool_view& to);

// An engine thread of a user-space forwarder: what the actor-facing plane needs of it.
class forwarder_engine {
 public:
  virtual ~forwarder_engine() = default;
  // Binds, then runs on a thread of its own; "" or why it cannot.
  virtual std::string start(const pool_view& pool) = 0;

  void post(const pool_view& pool, const std::optional<forwarder_settings>& settings = {}) {
    mailbox_.post(pool, settings);
  }
  service_counters snapshot() const { return std::atomic_load(&published_)->snapshot(); }
  uint64_t open() const {
    return std::atomic_load(&published_)->open.load(std::memory_order_relaxed);
  }
  void stop_accepting() {
    accepting_.store(false);
    mailbox_.wake();
  }

 protected:
  // The engine thread's counters; readers take them through published_, which a reload swaps.
  void install_counters(std::shared_ptr<forwarder_counters> fresh) {
    counters_ = fresh.get();
    std::atomic_store(&published_, std::move(fresh));
  }
  forwarder_counters* counters_ = nullptr;
  pool_mailbox mailbox_;
  std::atomic<bool> accepting_{true};

 private:
  std::shared_ptr<forwarder_counters> published_;
};

// The data plane over a forwarder engine (TCP or UDP): the engine forwards, this answers.
class forwarder_plane : public data_plane {
 public:
  explicit forwarder_plane(std::unique_ptr<forwarder_engine> engine) : engine_(std::move(engine)) {}
  std::string start(const pool_view& pool) override { return engine_->start(pool); }
  void apply(const pool_view& pool) override { engine_->post(pool); }
  bool reconfigure(const service_settings& service, const pool_view& pool) override {
    engine_->post(pool, forwarder_settings::of(service));
    return true;
  }
  service_counters counters() const override { return engine_->snapshot(); }
  void stop_accepting() override { engine_->stop_accepting(); }
  uint64_t open_connections() const override { return engine_->open(); }
  const char* forward_method() const override { return "Local"; }

 private:
  std::unique_ptr<forwarder_engine> engine_;
};

}  // namespace hamesh::ipvs
