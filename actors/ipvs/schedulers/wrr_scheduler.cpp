#include "actors/ipvs/schedulers/wrr_scheduler.hpp"

#include <algorithm>
#include <numeric>

namespace hamesh::ipvs {

void wrr_scheduler::update(const std::vector<real_entry>& reals) {
  std::vector<uint32_t> weights(reals.size());
  for (size_t i = 0; i < reals.size(); ++i) weights[i] = reals[i].available ? reals[i].weight : 0;
  // Same pool: keep the cycle where it is, so a no-op update does not favour the head.
  if (weights == weights_) return;
  weights_ = std::move(weights);

  leaves_ = 1;
  while (leaves_ < weights_.size()) leaves_ *= 2;
  tree_.assign(2 * leaves_, 0);
  for (size_t i = 0; i < weights_.size(); ++i) tree_[leaves_ + i] = weights_[i];
  for (size_t node = leaves_ - 1; node >= 1; --node) {
    tree_[node] = std::max(tree_[2 * node], tree_[2 * node + 1]);
  }
  max_weight_ = tree_[1];
  gcd_ = 0;
  for (uint32_t w : weights_) gcd_ = std::gcd(gcd_, w);

  // As LVS does on a pool change: the scan starts over at the head of the list, the current
  // weight is kept unless it is above the new largest weight. It is rounded up to a multiple
  // of the new gcd: every weight is one, so the same reals pass, and stepping by the gcd then
  // lands on the same values as a cycle that started at the largest weight.
  next_ = 0;
  if (max_weight_ == 0) {
    cw_ = 0;
  } else if (cw_ == 0 || cw_ > max_weight_) {
    cw_ = max_weight_;
  } else {
    cw_ = (cw_ + gcd_ - 1) / gcd_ * gcd_;
  }
}

size_t wrr_scheduler::find_first(size_t node, size_t lo, size_t hi, size_t from,
                                 uint32_t threshold) const {
  if (hi <= from || tree_[node] < threshold) return weights_.size();
  if (hi - lo == 1) return lo;
  size_t mid = lo + (hi - lo) / 2;
  size_t left = find_first(2 * node, lo, mid, from, threshold);
  if (left != weights_.size()) return left;
  return find_first(2 * node + 1, mid, hi, from, threshold);
}

std::optional<size_t> wrr_scheduler::pick(const client_key&, const std::vector<real_load>&) {
  if (max_weight_ == 0) return std::nullopt;
  size_t real = find_first(1, 0, leaves_, next_, cw_);
  if (real == weights_.size()) {
    // This step is done: lower the current weight, or start a new cycle at the top. Every
    // step has a pick, since the heaviest real passes every threshold up to its weight.
    cw_ = cw_ > gcd_ ? cw_ - gcd_ : max_weight_;
    real = find_first(1, 0, leaves_, 0, cw_);
  }
  next_ = real + 1;
  return real;
}

}  // namespace hamesh::ipvs
