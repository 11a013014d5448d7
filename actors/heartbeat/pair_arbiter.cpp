#include "actors/heartbeat/pair_arbiter.hpp"

namespace hamesh::heartbeat {

const char* to_string(pair_action a) {
  switch (a) {
    case pair_action::none:
      return "none";
    case pair_action::take_over:
      return "take_over";
    case pair_action::release:
      return "release";
  }
  return "invalid";
}

namespace {

// Rule 5's and rule 8's answer: does this node keep (or take) the resources over its peer?
bool this_node_wins(const pair_policy& p) {
  if (!p.preferred_node.empty() && (p.preferred_node == p.self || p.preferred_node == p.peer))
    return p.preferred_node == p.self;
  return p.self < p.peer;
}

pair_decision act(pair_action a, bool fence, std::string reason) {
  return pair_decision{a, fence, std::move(reason)};
}

}  // namespace

pair_decision decide(const pair_facts& f, const pair_policy& p) {
  if (f.run_in_progress) return {};
  bool may_release = f.holds_any && !f.last_release_failed;
  if (f.stopping) {
    if (may_release) return act(pair_action::release, false, "stopping: handing over");
    return {};
  }
  if (f.degraded) {
    const auto& m = f.peer_message;
    bool peer_fit = f.peer == peer_state::alive && m && !m->degraded && m->can_serve;
    if (may_release && peer_fit)
      return act(pair_action::release, false, "node degraded: handing over");
    return {};
  }
  if (f.peer == peer_state::dead) {
    if (f.holds_all || f.last_takeover_failed) return {};
    return act(pair_action::take_over, true, "peer " + p.peer + " dead");
  }
  if (f.peer == peer_state::unknown || !f.peer_message) return {};

  const heartbeat_message& m = *f.peer_message;
  bool peer_holds = m.resources_held;
  if (f.holds_any && peer_holds) {
    if (this_node_wins(p) || !may_release) return {};
    return act(pair_action::release, false,
               "both nodes hold resources: " + p.peer + " keeps them, this node yields");
  }
  if (f.last_takeover_failed) return {};
  if (!f.holds_any && m.role == heartbeat_role::releasing && !peer_holds)
    return act(pair_action::take_over, false, "peer " + p.peer + " released its resources");
  bool peer_is_preferred = !p.preferred_node.empty() && p.preferred_node == p.peer;
  // Only to a peer that can serve: one still resyncing would be handed a volume it cannot
  // promote, and the pair would serve nothing until this node took it back.
  if (may_release && p.auto_failback && peer_is_preferred && !peer_holds && !m.degraded &&
      m.can_serve && f.peer == peer_state::alive && m.role != heartbeat_role::releasing)
    return act(pair_action::release, false,
               "auto_failback: preferred node " + p.peer + " is back and up to date");
  if (!f.holds_any && !peer_holds && m.role != heartbeat_role::releasing &&
      (m.degraded || this_node_wins(p)))
    return act(pair_action::take_over, false,
               m.degraded ? "nobody holds the resources and peer " + p.peer + " is degraded"
                          : "nobody holds the resources and this node is preferred");
  return {};
}

heartbeat_role announced_role(const pair_facts& f, bool releasing) {
  if (releasing) {
    // Keep saying releasing until the peer holds the resources: it takes them on that word.
    bool peer_took = f.peer_message && f.peer_message->resources_held;
    if (f.run_in_progress || !peer_took) return heartbeat_role::releasing;
  }
  return f.holds_any ? heartbeat_role::primary : heartbeat_role::secondary;
}

}  // namespace hamesh::heartbeat
