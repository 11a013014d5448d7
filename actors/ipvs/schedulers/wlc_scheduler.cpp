#include "actors/ipvs/schedulers/wlc_scheduler.hpp"

#include "actors/ipvs/schedulers/lc_scheduler.hpp"

namespace hamesh::ipvs {

namespace {

// An overhead is below 2^41 and a weight below 2^32, so their product needs 128 bits; GCC and
// Clang have them on every target we build for.
__extension__ typedef unsigned __int128 wide;

}  // namespace

void wlc_scheduler::update(const std::vector<real_entry>& reals) {
  eligible_.clear();
  for (size_t i = 0; i < reals.size(); ++i) {
    if (reals[i].available && reals[i].weight > 0) eligible_.push_back({i, reals[i].weight});
  }
}

std::optional<size_t> wlc_scheduler::pick(const client_key&, const std::vector<real_load>& load) {
  const candidate* least = nullptr;
  uint64_t least_overhead = 0;
  for (const auto& c : eligible_) {
    uint64_t overhead = connection_overhead(load_of(load, c.index));
    // overhead / weight < least_overhead / least->weight, without division. Strictly less:
    // a tie keeps the earlier real.
    if (!least || wide{overhead} * least->weight < wide{least_overhead} * c.weight) {
      least = &c;
      least_overhead = overhead;
    }
  }
  if (!least) return std::nullopt;
  return least->index;
}

}  // namespace hamesh::ipvs
