#pragma once
// Who of the pair should serve (pure): the monitor's view of the peer, the plan's state and
// this node's health in, one decision out. Stateless: the actor calls decide() after every
// event and tick, and acts only on take_over or release, so it is a table of cases.
//
// The rules, first match wins:
//  1. A run in progress: wait for it.
//  2. This node stopping: release what it holds. This node unfit (degraded: the supervision
//     tree said so, or a replica's local disk failed): never take; hand over what it holds,
//     but only to a peer that is alive, fit and can serve (handing over to nobody, or to a
//     peer still resyncing, would serve nothing at all). No rule releases again after a
//     release that failed (last_release_failed): the node keeps announcing what it holds,
//     and only the peer's fencing takes it from there.
//  3. Peer dead: take over, fencing first (heartbeat's deadtime takeover), unless this node
//     holds everything already or its last takeover failed (no retry loop: the actor clears
//     last_takeover_failed on the next peer event or an operator's command).
//  4. Peer unknown (before initdead): wait, so a booting pair does not start twice.
//  5. Both hold resources (a partition healed, both took over): the one that must yield
//     releases. The preferred node keeps them; with no preferred node, the node whose name
//     sorts first keeps them. Both sides compute the same answer from the same facts.
//  6. The peer announces releasing and holds nothing: take over now, without fencing (it
//     said it stopped everything) and without waiting for deadtime: a graceful hand-over.
//  7. auto_failback on, this node holds, the peer is the preferred node, healthy, alive, holds
//     nothing and can serve (its replicas are up to date, not resyncing): give the resources
//     back (release; the peer takes them at rule 6).
//  8. Nobody holds anything and the peer is not releasing: the preferred node takes over
//     (the tie-break of rule 5 when none is); a degraded peer leaves them to us.
#include <optional>
#include <string>

#include "actors/heartbeat/heartbeat_message.hpp"
#include "actors/heartbeat/heartbeat_monitor.hpp"

namespace hamesh::heartbeat {

struct pair_policy {
  std::string self;            // this node's name
  std::string peer;            // the peer's name
  std::string preferred_node;  // haresources' first field: the node that normally serves; may be ""
  bool auto_failback = false;  // ha.cf's auto_failback: the preferred node takes back on return
};

struct pair_facts {
  peer_state peer = peer_state::unknown;
  std::optional<heartbeat_message> peer_message;  // the monitor's last_message()
  bool holds_any = false;                         // takeover_plan::holds_any()
  bool holds_all = false;                         // takeover_plan::holds_all()
  bool run_in_progress = false;                   // takeover_plan::running()
  bool degraded = false;  // this node: the supervision tree said so, or a replica's disk failed
  bool stopping = false;  // this node: a graceful stop
  bool last_takeover_failed = false;  // see rule 3
  bool last_release_failed = false;   // a stop failed: no release loop (cleared like the above)
};

enum class pair_action { none, take_over, release };
const char* to_string(pair_action a);

struct pair_decision {
  pair_action action = pair_action::none;
  bool fence = false;  // take_over: run the fence action first
  std::string reason;  // for the run, the log and hameshctl
};

pair_decision decide(const pair_facts& facts, const pair_policy& policy);

// The role to announce in the next heartbeat: releasing while a release runs or after one
// until the peer holds the resources (so it knows it may take them), primary while holding,
// otherwise secondary.
heartbeat_role announced_role(const pair_facts& facts, bool releasing);

}  // namespace hamesh::heartbeat
