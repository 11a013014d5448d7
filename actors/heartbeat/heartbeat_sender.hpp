#pragma once
// This node's side of the heartbeat (pure): when to send and what. One round every keepalive
// carries the same (generation, sequence) on every link, like heartbeat's one message per
// medium, so the receiver can tell a later copy from a replay (replay_guard).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/heartbeat/heartbeat_message.hpp"
#include "runtime/duration.hpp"

namespace hamesh::heartbeat {

using time_point = std::chrono::steady_clock::time_point;

struct sender_identity {
  std::string node;
  std::string pair;
  uint64_t generation = 0;  // > 0, larger at each start (e.g. wall-clock microseconds at start)
};

// What the node announces in the next round; the node's decision logic fills it.
struct sender_status {
  heartbeat_role role = heartbeat_role::none;
  bool resources_held = false;
  bool degraded = false;
  bool can_serve = false;        // see heartbeat_message::can_serve
  uint64_t peer_generation = 0;  // the monitor's peer_generation(), 0 before the peer is heard
};

struct outgoing_heartbeat {
  size_t link = 0;            // index into the settings' links
  heartbeat_message message;  // encode and send on that link
};

class heartbeat_sender {
 public:
  // The first round is due at `start`.
  heartbeat_sender(sender_identity id, duration keepalive, std::vector<std::string> links,
                   time_point start);

  time_point next_send() const { return next_; }

  // The round due at `now`, one message per link, or nothing before next_send(). A late call
  // (the actor was busy) sends one round and schedules the next a keepalive later: no burst.
  std::vector<outgoing_heartbeat> due(time_point now, const sender_status& status);

  // A round now, out of schedule (a role change, the start of a hand-over, so the peer hears
  // it at once); the next scheduled round is a keepalive after it.
  std::vector<outgoing_heartbeat> send_now(time_point now, const sender_status& status);

  uint64_t last_sequence() const { return sequence_; }  // 0 before the first round
  uint64_t rounds() const { return sequence_; }
  const sender_identity& identity() const { return id_; }

 private:
  std::vector<outgoing_heartbeat> round(const sender_status& status);

  sender_identity id_;
  duration keepalive_;
  std::vector<std::string> links_;
  time_point next_;
  uint64_t sequence_ = 0;
};

}  // namespace hamesh::heartbeat
