#include "actors/ipvs/schedulers/rr_scheduler.hpp"

namespace hamesh::ipvs {

void rr_scheduler::update(const std::vector<real_entry>& reals) {
  std::vector<size_t> eligible;
  for (size_t i = 0; i < reals.size(); ++i) {
    if (reals[i].available && reals[i].weight > 0) eligible.push_back(i);
  }
  // Same pool: keep the rotation where it is, so a no-op update does not favour the head.
  if (eligible == eligible_) return;
  eligible_ = std::move(eligible);
  // Go on after the real picked last, as LVS's rr keeps its pointer across pool changes;
  // starting over at the head would give the first reals an extra turn on every change.
  next_ = 0;
  if (last_) {
    for (size_t pos = 0; pos < eligible_.size(); ++pos) {
      if (eligible_[pos] > *last_) {
        next_ = pos;
        break;
      }
    }
  }
}

std::optional<size_t> rr_scheduler::pick(const client_key&, const std::vector<real_load>&) {
  if (eligible_.empty()) return std::nullopt;
  size_t real = eligible_[next_];
  next_ = (next_ + 1) % eligible_.size();
  last_ = real;
  return real;
}

}  // namespace hamesh::ipvs
