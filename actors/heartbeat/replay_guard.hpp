#pragma once
// Replay protection for one peer (pure). A heartbeat goes out on every link with the same
// (generation, sequence), so the guard keeps two things: the highest pair accepted from the
// peer on any link, and the highest seen on each link.
//
// - Newer than anything from the peer: the first copy. It proves the peer alive now.
// - Not newer, same generation, within `window` sequences of the newest, and newer than
//   anything this link delivered: a later copy of a heartbeat already heard on a faster
//   link. Not an attack, and it proves this link works, so the monitor refreshes the link
//   (not the peer: the peer was already refreshed by the first copy).
// - Anything else: a replay (counted). A link delivers its own packets in order (one path,
//   one socket), so a copy older than the link's newest can only be a capture played back.
//
// The window bounds how far behind a slow link may lag (32 heartbeats: 1.6 s at 50 ms
// keepalive, 64 s at heartbeat's 2 s): a link further behind than that is broken anyway.
// What a window cannot stop: an attacker who sees the fresh copy on one link and injects it
// on another can make that second link look up (never the peer alive); and after this node
// restarts, the guard is empty, so an old capture of a peer that is gone would be taken once
// as fresh. heartbeat_message::peer_generation lets the node see the latter (a capture
// cannot echo the generation we started with).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace hamesh::heartbeat {

enum class replay_verdict { first_copy, later_copy, replay };
const char* to_string(replay_verdict v);

class replay_guard {
 public:
  static constexpr uint64_t default_window = 32;

  // A window of 0 would turn every later copy into a replay, and a guard needs a link:
  // heartbeat_settings::validate refuses both; here 0 is taken as 1.
  replay_guard(size_t links, uint64_t window = default_window);

  // Judges a verified heartbeat and remembers it unless it is a replay. `link` < links().
  replay_verdict check(size_t link, uint64_t generation, uint64_t sequence);

  size_t links() const { return per_link_.size(); }
  uint64_t window() const { return window_; }
  uint64_t replays() const { return replays_; }
  uint64_t later_copies() const { return later_copies_; }

  struct stamp {
    uint64_t generation = 0;
    uint64_t sequence = 0;
    friend bool operator<(const stamp& a, const stamp& b) {
      return a.generation != b.generation ? a.generation < b.generation : a.sequence < b.sequence;
    }
  };
  std::optional<stamp> newest() const { return newest_; }
  std::optional<stamp> newest_on(size_t link) const;

 private:
  uint64_t window_;
  std::optional<stamp> newest_;
  std::vector<std::optional<stamp>> per_link_;
  uint64_t replays_ = 0;
  uint64_t later_copies_ = 0;
};

}  // namespace hamesh::heartbeat
