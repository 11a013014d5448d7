#pragma once
// One heartbeat as the pair's members exchange it, decoded and verified (heartbeat_codec puts
// it on the wire). What heartbeat's ha.cf nodes announce, plus what hamesh's takeover needs:
// the sender's role and whether it still holds the pair's resources.
#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/heartbeat/heartbeat_errc.hpp"

namespace hamesh::heartbeat {

// releasing: a graceful hand-over is under way (the node is degraded, or auto_failback gives
// the resources back). With resources_held false it means "all stopped: take them now", so
// the survivor does not wait out deadtime.
enum class heartbeat_role : uint8_t { none, primary, secondary, releasing };
const char* to_string(heartbeat_role r);

struct heartbeat_message {
  // Names are what the configs call the nodes, the pair and the link: 1..max_name bytes of
  // printable ASCII without spaces (hostnames, interface names), so logs never need escaping.
  static constexpr size_t max_name = 64;

  std::string node;  // the sender
  std::string pair;  // the storage pair both members serve
  // Increases each time the sender starts (the caller takes it from the wall clock at start):
  // a restarted peer's sequence starts again at 1 and must not be taken for a replay.
  uint64_t generation = 0;
  uint64_t sequence = 0;  // per sender and generation, +1 per heartbeat, the same on every link
  heartbeat_role role = heartbeat_role::none;
  bool resources_held = false;  // any of the pair's resources is started on the sender
  bool degraded = false;        // the sender's supervision tree reported it degraded
  // The sender could take the resources over now: every replica it would promote has an
  // up-to-date disk (not resyncing). auto_failback gives resources back only to such a node.
  bool can_serve = false;
  std::string link;  // the sender's name of the link it sent this copy on ("" = unset)
  // The generation the sender last heard from its peer (0 = none yet): tells the receiver the
  // peer hears it, and that this is not a capture taken before the receiver last started.
  uint64_t peer_generation = 0;

  friend bool operator==(const heartbeat_message& a, const heartbeat_message& b) {
    return a.node == b.node && a.pair == b.pair && a.generation == b.generation &&
           a.sequence == b.sequence && a.role == b.role && a.resources_held == b.resources_held &&
           a.degraded == b.degraded && a.can_serve == b.can_serve && a.link == b.link &&
           a.peer_generation == b.peer_generation;
  }
  friend bool operator!=(const heartbeat_message& a, const heartbeat_message& b) {
    return !(a == b);
  }
};

// Whether `text` is a usable node, pair or link name (see heartbeat_message::max_name).
bool valid_name(const std::string& text);

// none, or invalid_message when a name or the role is out of range: what encode refuses and
// decode never produces.
heartbeat_errc check(const heartbeat_message& m);

}  // namespace hamesh::heartbeat
