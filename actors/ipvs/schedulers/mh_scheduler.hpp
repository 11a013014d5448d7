#pragma once
// LVS mh: Maglev hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load
// Balancer", NSDI 2016, §3.4). A lookup table of prime size M maps a client's hash to a real.
// Each real walks its own permutation of the table, (offset + j * skip) mod M, with offset and
// skip from two independent hashes of its identity (real_entry::id, else its index); the reals
// take turns claiming the next free entry of their permutation until the table is full. The
// table is a pure function of the eligible reals, and a real's permutation does not depend on
// the others, so removing one real of N moves little more than its own 1/N of the entries.
//
// Weighted (the paper's "backends of different capacity" variant): the turns are given in
// proportion to weight, interleaved (a real's k-th turn comes at k / weight, ties in list
// order), so every real gets its share of entries to within one. Removing a real deletes its
// turns and keeps the order of everyone else's, which keeps the disruption minimal.
// Reals that are unavailable or have weight 0 are left out of the table.
//
// Only the client address is hashed (LVS mh without its mh-port flag): all connections of a
// client go to the same real.
#include <cstdint>
#include <optional>
#include <vector>

#include "actors/ipvs/scheduler.hpp"

namespace hamesh::ipvs {

class mh_scheduler final : public scheduler {
 public:
  // The paper's size: prime, and above 100 * N for N up to 655 reals, which the paper
  // finds keeps every real's share within about 1% of even.
  static constexpr uint32_t default_table_size = 65537;

  // `table_size` must be a prime (else a skip can share a factor with it and its permutation
  // would not reach every entry): throws std::invalid_argument otherwise.
  explicit mh_scheduler(uint32_t table_size = default_table_size);

  scheduler_kind kind() const override { return scheduler_kind::mh; }
  void update(const std::vector<real_entry>& reals) override;
  std::optional<size_t> pick(const client_key& client, const std::vector<real_load>& load) override;

  // The lookup table: the real index of every entry; empty while no real is eligible.
  const std::vector<uint32_t>& table() const { return table_; }
  uint32_t table_size() const { return table_size_; }
  // The entry a client address looks up.
  size_t entry_of(uint32_t address) const;

 private:
  struct member {
    uint32_t index;
    uint32_t weight;
    uint64_t identity;
    bool operator==(const member& o) const {
      return index == o.index && weight == o.weight && identity == o.identity;
    }
  };
  void populate();

  uint32_t table_size_;
  std::vector<member> members_;  // the eligible reals, in list order
  std::vector<uint32_t> table_;
};

}  // namespace hamesh::ipvs
