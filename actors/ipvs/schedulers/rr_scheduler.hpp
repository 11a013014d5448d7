#pragma once
// LVS rr: every real that takes new connections gets the next one in turn; weights other than
// 0 do not matter (wrr is the weighted one).
#include <optional>
#include <vector>

#include "actors/ipvs/scheduler.hpp"

namespace hamesh::ipvs {

class rr_scheduler final : public scheduler {
 public:
  scheduler_kind kind() const override { return scheduler_kind::rr; }
  void update(const std::vector<real_entry>& reals) override;
  std::optional<size_t> pick(const client_key& client, const std::vector<real_load>& load) override;

 private:
  std::vector<size_t> eligible_;  // the reals that take new connections, in list order
  size_t next_ = 0;               // position in eligible_ of the next pick
  std::optional<size_t> last_;    // the real picked last
};

}  // namespace hamesh::ipvs
