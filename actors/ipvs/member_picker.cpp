#include "actors/ipvs/member_picker.hpp"

namespace hamesh::ipvs {

member_picker::member_picker(scheduler_kind kind, std::chrono::nanoseconds persistence)
    : scheduler_(make_scheduler(kind)) {
  if (persistence.count() > 0) persistence_.emplace(persistence);
}

void member_picker::set_pool(const pool_view& pool) {
  std::vector<real_entry> entries;
  for (auto& m : pool.members) entries.push_back(m.entry);
  if (persistence_)
    for (size_t i = 0; i < entries.size(); ++i)
      // A server that left the pool loses its clients; a drained one keeps them (LVS).
      if (i < entries_.size() && entries_[i].available && !entries[i].available)
        persistence_->forget_real(i);
  entries_ = std::move(entries);
  load_.resize(entries_.size());
  scheduler_->update(entries_);
}

std::optional<size_t> member_picker::pick(const client_key& client, time_point now) {
  if (persistence_) {
    if (auto known = persistence_->find(client.address, now);
        known && *known < entries_.size() && entries_[*known].available) {
      persistence_->remember(client.address, *known, now);
      return known;
    }
  }
  auto chosen = scheduler_->pick(client, load_);
  if (chosen && persistence_) persistence_->remember(client.address, *chosen, now);
  return chosen;
}

void member_picker::established(size_t member) {
  auto& l = load_.at(member);
  if (l.inactive > 0) --l.inactive;
  ++l.active;
}

void member_picker::closing(size_t member) {
  auto& l = load_.at(member);
  if (l.active > 0) --l.active;
  ++l.inactive;
}

void member_picker::closed(size_t member, bool counted_active) {
  auto& l = load_.at(member);
  if (counted_active) {
    if (l.active > 0) --l.active;
  } else if (l.inactive > 0) {
    --l.inactive;
  }
}

void member_picker::expire(time_point now) {
  if (persistence_) persistence_->expire(now);
}

}  // namespace hamesh::ipvs
