#pragma once
// LVS lc: the new connection goes to the real with the least connection overhead. Weights
// other than 0 do not matter (wlc is the weighted one).
#include <cstdint>
#include <optional>
#include <vector>

#include "actors/ipvs/scheduler.hpp"

namespace hamesh::ipvs {

// LVS's connection overhead: an active (established) connection counts 256 times an inactive
// one (closing, TIME_WAIT), which costs the real little more than a table entry.
// 64-bit: 2^32 active connections times 256 does not fit in 32.
inline uint64_t connection_overhead(const real_load& load) {
  return (uint64_t{load.active} << 8) + load.inactive;
}

// Load of real `index`; a real the caller gave no load for counts as idle (a shorter `load`
// than the pool breaks pick()'s contract, and idle at least keeps the real in use).
inline real_load load_of(const std::vector<real_load>& load, size_t index) {
  return index < load.size() ? load[index] : real_load{};
}

// Ties go to the first real in list order, as in LVS: the tie lasts only until the caller
// counts the connection it just placed, which makes the chosen real the busier one.
class lc_scheduler final : public scheduler {
 public:
  scheduler_kind kind() const override { return scheduler_kind::lc; }
  void update(const std::vector<real_entry>& reals) override;
  std::optional<size_t> pick(const client_key& client, const std::vector<real_load>& load) override;

 private:
  std::vector<size_t> eligible_;  // the reals that take new connections, in list order
};

}  // namespace hamesh::ipvs
