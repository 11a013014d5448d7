#include "actors/ipvs/schedulers/lc_scheduler.hpp"

namespace hamesh::ipvs {

void lc_scheduler::update(const std::vector<real_entry>& reals) {
  eligible_.clear();
  for (size_t i = 0; i < reals.size(); ++i) {
    if (reals[i].available && reals[i].weight > 0) eligible_.push_back(i);
  }
}

std::optional<size_t> lc_scheduler::pick(const client_key&, const std::vector<real_load>& load) {
  std::optional<size_t> least;
  uint64_t least_overhead = 0;
  for (size_t i : eligible_) {
    uint64_t overhead = connection_overhead(load_of(load, i));
    // Strictly less: a tie keeps the earlier real.
    if (!least || overhead < least_overhead) {
      least = i;
      least_overhead = overhead;
    }
  }
  return least;
}

}  // namespace hamesh::ipvs
