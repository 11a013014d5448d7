#include "actors/heartbeat/replay_guard.hpp"

namespace hamesh::heartbeat {

const char* to_string(replay_verdict v) {
  switch (v) {
    case replay_verdict::first_copy:
      return "first_copy";
    case replay_verdict::later_copy:
      return "later_copy";
    case replay_verdict::replay:
      return "replay";
  }
  return "unknown";
}

replay_guard::replay_guard(size_t links, uint64_t window)
    : window_(window == 0 ? 1 : window), per_link_(links == 0 ? 1 : links) {}

std::optional<replay_guard::stamp> replay_guard::newest_on(size_t link) const {
  if (link >= per_link_.size()) return std::nullopt;
  return per_link_[link];
}

replay_verdict replay_guard::check(size_t link, uint64_t generation, uint64_t sequence) {
  if (link >= per_link_.size()) {
    ++replays_;  // the intake checks links first; an index past the end is never trusted
    return replay_verdict::replay;
  }
  stamp s{generation, sequence};
  std::optional<stamp>& on_link = per_link_[link];
  if (!newest_ || *newest_ < s) {
    newest_ = s;
    on_link = s;
    return replay_verdict::first_copy;
  }
  // Not newer than the newest: s <= newest_, so in the same generation sequence <= newest.
  bool same_generation = generation == newest_->generation;
  bool within_window = same_generation && newest_->sequence - sequence < window_;
  bool newer_on_link = !on_link || *on_link < s;
  if (within_window && newer_on_link) {
    on_link = s;
    ++later_copies_;
    return replay_verdict::later_copy;
  }
  ++replays_;
  return replay_verdict::replay;
}

}  // namespace hamesh::heartbeat
