#pragma once
// LVS wrr: interleaved weighted round robin. A current weight `cw` steps down from the largest
// weight by the gcd of the weights; in each step the reals whose weight is at least `cw` get
// one connection each, in list order. Over one cycle (sum of weights / gcd picks) every real
// gets weight / gcd picks, and the heavy ones are spread through the cycle instead of in a
// burst. Weights 4, 3, 2 (A, B, C) give, per cycle:
//   cw=4: A   cw=3: A B   cw=2: A B C   cw=1: A B C   ->   A A B A B C A B C
// A pick is O(log n): a max-tree over the weights finds the next real at or above `cw`.
#include <cstdint>
#include <optional>
#include <vector>

#include "actors/ipvs/scheduler.hpp"

namespace hamesh::ipvs {

class wrr_scheduler final : public scheduler {
 public:
  scheduler_kind kind() const override { return scheduler_kind::wrr; }
  void update(const std::vector<real_entry>& reals) override;
  std::optional<size_t> pick(const client_key& client, const std::vector<real_load>& load) override;

  uint32_t current_weight() const { return cw_; }

 private:
  // First real at or after `from` whose weight is at least `threshold`, or weights_.size().
  size_t find_first(size_t node, size_t lo, size_t hi, size_t from, uint32_t threshold) const;

  std::vector<uint32_t> weights_;  // 0 for reals that take no new connections
  std::vector<uint32_t> tree_;     // max of weights_ over each node's range (heap layout)
  size_t leaves_ = 0;              // power of two >= weights_.size()
  uint32_t max_weight_ = 0;
  uint32_t gcd_ = 0;
  uint32_t cw_ = 0;  // current weight: 0 until the pool has a real with a weight
  size_t next_ = 0;  // where in the list the search for the next pick starts
};

}  // namespace hamesh::ipvs
