#pragma once
// The decision a data plane makes per new connection: persistence first (a returning client
// goes back to its real server while that one is still in the pool, even drained, as LVS
// does), else the scheduler, over the pool's current loads. Pure: time is an argument.
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "actors/ipvs/persistence_table.hpp"
#include "actors/ipvs/scheduler.hpp"
#include "actors/ipvs/service_table.hpp"

namespace hamesh::ipvs {

class member_picker {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  member_picker(scheduler_kind kind, std::chrono::nanoseconds persistence);

  void set_pool(const pool_view& pool);
  std::optional<size_t> pick(const client_key& client, time_point now);
  // Connection bookkeeping for lc/wlc: a connection to `member` opened, became established,
  // started closing, ended.
  void opened(size_t member) { ++load_.at(member).inactive; }
  void established(size_t member);
  void closing(size_t member);
  void closed(size_t member, bool counted_active);
  // Drops expired persistence entries; call now and then.
  void expire(time_point now);

  const std::vector<real_load>& load() const { return load_; }
  size_t persistent_clients() const { return persistence_ ? persistence_->size() : 0; }

 private:
  std::unique_ptr<scheduler> scheduler_;
  std::optional<persistence_table> persistence_;
  std::vector<real_entry> entries_;
  std::vector<real_load> load_;
};

}  // namespace hamesh::ipvs
