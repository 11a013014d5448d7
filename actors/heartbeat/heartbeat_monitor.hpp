#pragma once
// The timing of one pair (pure): this node watching its one peer over N links. Heartbeats
// come in verified (heartbeat_intake), time comes in as an argument, and what changed goes
// out as events. The actor calls on_tick at next_deadline() (and whenever it likes: a tick
// with nothing due returns nothing).
//
// Peer: unknown until the first heartbeat (dead after initdead without one, like heartbeat
// at boot), alive, suspected after warntime with nothing on any link (heartbeat's "late
// heartbeat" warning), dead after deadtime with nothing on any link (once per death), and
// alive again on the next heartbeat, saying whether the peer restarted (a new generation).
//
// Links: a link is failed when it has been silent for deadtime while the peer is alive, i.e.
// heard on another link within warntime. While the peer is suspected or dead, silent links
// say nothing about themselves: when a peer dies every link goes quiet within about one
// keepalive of the others, and none of that is a link failure (settings require
// deadtime - warntime >= keepalive for exactly this).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/heartbeat/heartbeat_message.hpp"
#include "actors/heartbeat/heartbeat_settings.hpp"

namespace hamesh::heartbeat {

using time_point = std::chrono::steady_clock::time_point;

enum class peer_state { unknown, alive, suspected, dead };
const char* to_string(peer_state s);

// unknown: nothing known (at start, and on every link while the peer is dead: nobody is at
// the other end to tell). failed: reported as a link failure, until it hears the peer again.
enum class link_state { unknown, up, failed };
const char* to_string(link_state s);

struct link_status {
  std::string name;
  link_state state = link_state::unknown;
  std::optional<time_point> last_heard;
  uint64_t first_copies = 0;  // heartbeats this link delivered first
  uint64_t later_copies = 0;  // copies already heard on a faster link
  uint64_t failures = 0;      // link_failed events
  // Copies whose sender names another link than ours: a cabling or multicast-group mix-up
  // (counted, still used: the path works).
  uint64_t crossed = 0;
};

enum class monitor_event_kind {
  peer_alive,      // first heartbeat since start: unknown -> alive
  peer_suspected,  // warntime without a heartbeat on any link: alive -> suspected
  peer_recovered,  // a heartbeat after warntime but before deadtime: suspected -> alive
  peer_dead,       // deadtime (or initdead at start) without a heartbeat on any link
  peer_returned,   // a heartbeat from a dead peer: dead -> alive
  peer_restarted,  // a new generation while alive: the peer restarted faster than deadtime
  link_failed,     // one link silent for deadtime while another hears the peer
  link_restored,   // a failed link hears the peer again
};
const char* to_string(monitor_event_kind k);

struct monitor_event {
  monitor_event_kind kind = monitor_event_kind::peer_alive;
  time_point at{};
  duration silence{0};         // how long nothing was heard (on any link, or on this link)
  std::optional<size_t> link;  // link events: index into the settings' links
  uint64_t generation = 0;     // the peer's generation after the event (0 if never heard)
  // peer_returned: the peer came back with another generation than it died with (or was
  // never heard before), so it lost whatever it held; peer_restarted is always a restart.
  bool restarted = false;
  bool never_heard = false;  // peer_dead at initdead: the peer was not heard since our start
};

class heartbeat_monitor {
 public:
  // `settings` should pass validate(). Time starts at `start` (initdead counts from there).
  heartbeat_monitor(heartbeat_settings settings, time_point start);

  // A verified heartbeat on `link`. `first_copy` is the replay guard's verdict: a later copy
  // refreshes its link only. Deadlines that passed before `now` are applied first, so a
  // heartbeat arriving after deadtime but before the actor's timer fired still makes the
  // peer dead and then returned, whatever the timer's lateness.
  std::vector<monitor_event> on_heartbeat(size_t link, const heartbeat_message& m, bool first_copy,
                                          time_point now);
  std::vector<monitor_event> on_tick(time_point now);

  // The earliest time on_tick has something to do; nothing while the peer is dead (only a
  // heartbeat changes that).
  std::optional<time_point> next_deadline() const;

  peer_state peer() const { return peer_; }
  const std::vector<link_status>& links() const { return links_; }
  // The newest first copy from the peer (its role, flags, generation), if any.
  const std::optional<heartbeat_message>& last_message() const { return last_; }
  uint64_t peer_generation() const { return last_ ? last_->generation : 0; }
  // The peer's newest heartbeat echoes `our_generation`: it hears this node (since its last
  // start), and the heartbeat is no capture from before that start.
  bool peer_hears(uint64_t our_generation) const {
    return last_ && our_generation != 0 && last_->peer_generation == our_generation;
  }
  std::optional<time_point> last_heard() const { return last_heard_; }
  const heartbeat_settings& settings() const { return settings_; }
  uint64_t deaths() const { return deaths_; }
  uint64_t late_heartbeats() const { return late_; }

 private:
  void advance(time_point now, std::vector<monitor_event>& out);
  void check_links(time_point now, std::vector<monitor_event>& out);
  duration link_silence(const link_status& l, time_point now) const;

  heartbeat_settings settings_;
  time_point start_;
  peer_state peer_ = peer_state::unknown;
  std::vector<link_status> links_;
  std::optional<heartbeat_message> last_;
  std::optional<time_point> last_heard_;  // newest first copy on any link
  time_point alive_since_{};              // when the peer last became alive
  uint64_t generation_at_death_ = 0;
  uint64_t deaths_ = 0;
  uint64_t late_ = 0;
};

}  // namespace hamesh::heartbeat
