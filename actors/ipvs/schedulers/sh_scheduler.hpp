#pragma once
// LVS sh: source hashing. The client address is hashed to one of 256 buckets (LVS's default
// table size); each bucket names a real, and the buckets are shared out in proportion to the
// weights, so a client keeps its real and every real gets its weight's share (to within one
// bucket, 1/256) of a uniform client population. The port is not hashed: all connections of a
// client go to the same real, which is what sh is for.
//
// Failures (`available` false) move only the failed real's clients: the table is filled from
// every real with a weight, failed or not, and a client whose bucket names a failed real is
// hashed again (with an independent hash) into a second table filled from the available reals
// only. Its clients so spread over the others in proportion to weight, nobody else moves,
// and when the real comes back its clients do too. This is our take on LVS's sh-fallback
// flag, which tries the following buckets in turn and so hands a failed real's clients mostly to
// the real next to it. A weight change (0 included: draining) is the operator re-balancing
// and refills the table, as in LVS; consistent hashing across such changes is mh's job.
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "actors/ipvs/scheduler.hpp"

namespace hamesh::ipvs {

class sh_scheduler final : public scheduler {
 public:
  static constexpr size_t bucket_count = 256;
  using bucket_table = std::array<uint32_t, bucket_count>;  // real index per bucket

  scheduler_kind kind() const override { return scheduler_kind::sh; }
  void update(const std::vector<real_entry>& reals) override;
  std::optional<size_t> pick(const client_key& client, const std::vector<real_load>& load) override;

  // The bucket of a client address, and of its second hash (used when the first names a
  // failed real).
  static size_t bucket_of(uint32_t address);
  static size_t fallback_bucket_of(uint32_t address);

 private:
  bucket_table buckets_{};
  bucket_table fallback_{};
  std::vector<bool> available_;  // per real index
  bool any_available_ = false;
};

}  // namespace hamesh::ipvs
