#include "actors/ipvs/persistence_table.hpp"

namespace hamesh::ipvs {

persistence_table::persistence_table(std::chrono::nanoseconds timeout, size_t max_entries)
    : timeout_(timeout), max_entries_(max_entries) {}

// An entry lives while now < expires: at now + timeout it is gone, as a timer firing then
// would have removed it.
std::optional<size_t> persistence_table::find(uint32_t client, time_point now) const {
  auto it = entries_.find(client);
  if (it == entries_.end() || now >= it->second.expires) return std::nullopt;
  return it->second.real;
}

void persistence_table::remember(uint32_t client, size_t real, time_point now) {
  auto it = entries_.find(client);
  if (it != entries_.end()) {
    // Sliding timeout (LVS persistence templates): each connection extends it. An expired
    // entry not yet swept is simply renewed.
    it->second = entry{real, now + timeout_};
    return;
  }
  if (entries_.size() >= max_entries_) {
    expire(now);
    // Still full: this new client is not remembered (its connections are scheduled one by one
    // until there is room) rather than evicting a live entry. Eviction would silently break
    // the persistence of a client that is still coming back, and under a flood of spoofed
    // sources it would let the flood push every real client out; refusing keeps the table's
    // memory bounded and the damage limited to the newcomers.
    if (entries_.size() >= max_entries_) return;
  }
  entries_.emplace(client, entry{real, now + timeout_});
}

void persistence_table::forget_real(size_t real) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->second.real == real ? entries_.erase(it) : std::next(it);
  }
}

size_t persistence_table::expire(time_point now) {
  size_t dropped = 0;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (now >= it->second.expires) {
      it = entries_.erase(it);
      ++dropped;
    } else {
      ++it;
    }
  }
  return dropped;
}

}  // namespace hamesh::ipvs
