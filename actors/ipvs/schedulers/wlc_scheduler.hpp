#pragma once
// LVS wlc: the new connection goes to the real with the least connection overhead per unit of
// weight (overhead / weight, overhead as in lc), compared by cross-multiplication so no
// rounding decides a pick. Ties go to the first real in list order, as in LVS and lc.
#include <cstdint>
#include <optional>
#include <vector>

#include "actors/ipvs/scheduler.hpp"

namespace hamesh::ipvs {

class wlc_scheduler final : public scheduler {
 public:
  scheduler_kind kind() const override { return scheduler_kind::wlc; }
  void update(const std::vector<real_entry>& reals) override;
  std::optional<size_t> pick(const client_key& client, const std::vector<real_load>& load) override;

 private:
  struct candidate {
    size_t index;
    uint32_t weight;
  };
  std::vector<candidate> eligible_;  // the reals that take new connections, in list order
};

}  // namespace hamesh::ipvs
