#include "actors/replica/split_brain_policy.hpp"

#include <algorithm>

namespace hamesh::replica {

std::optional<split_brain_policy> split_brain_policy::parse(std::string_view text) {
  split_brain_policy p;
  if (text == "disconnect") {
    p.how = kind::disconnect;
  } else if (text == "discard-younger-primary") {
    p.how = kind::discard_younger_primary;
  } else if (text == "discard-least-changes") {
    p.how = kind::discard_least_changes;
  } else if (text.substr(0, 13) == "discard-node ") {
    p.how = kind::discard_node;
    p.node = std::string(text.substr(13));
    if (p.node.empty() || p.node.find(' ') != std::string::npos) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return p;
}

std::string to_string(const split_brain_policy& p) {
  switch (p.how) {
    case split_brain_policy::kind::disconnect:
      return "disconnect";
    case split_brain_policy::kind::discard_younger_primary:
      return "discard-younger-primary";
    case split_brain_policy::kind::discard_least_changes:
      return "discard-least-changes";
    case split_brain_policy::kind::discard_node:
      return "discard-node " + p.node;
  }
  return "unknown";
}

namespace {

using outcome = split_brain_resolution::outcome;

split_brain_resolution least_changes(const split_brain_member& l, const split_brain_member& p) {
  if (l.dirty_regions == p.dirty_regions)
    return {outcome::refuse, "split brain: both changed " + std::to_string(l.dirty_regions) +
                                 " regions, least-changes cannot choose"};
  bool local_loses = l.dirty_regions < p.dirty_regions;
  return {local_loses ? outcome::local_is_victim : outcome::peer_is_victim,
          "split brain: discarding the changes of " + (local_loses ? l : p).node_name + " (" +
              std::to_string(std::min(l.dirty_regions, p.dirty_regions)) + " regions against " +
              std::to_string(std::max(l.dirty_regions, p.dirty_regions)) + ")"};
}

split_brain_resolution choose(const split_brain_policy& policy, const split_brain_member& l,
                              const split_brain_member& p) {
  switch (policy.how) {
    case split_brain_policy::kind::disconnect:
      return {outcome::refuse, "split brain: policy disconnect, an operator decides"};
    case split_brain_policy::kind::discard_younger_primary:
      // drbd.conf(5): if both became primary at the same moment, least changes decides.
      if (l.promoted_at == p.promoted_at) return least_changes(l, p);
      return {l.promoted_at > p.promoted_at ? outcome::local_is_victim : outcome::peer_is_victim,
              "split brain: discarding the younger primary " +
                  (l.promoted_at > p.promoted_at ? l : p).node_name};
    case split_brain_policy::kind::discard_least_changes:
      return least_changes(l, p);
    case split_brain_policy::kind::discard_node:
      if (policy.node == l.node_name)
        return {outcome::local_is_victim, "split brain: discarding node " + l.node_name};
      if (policy.node == p.node_name)
        return {outcome::peer_is_victim, "split brain: discarding node " + p.node_name};
      return {outcome::refuse,
              "split brain: discard-node " + policy.node + " names neither member"};
  }
  return {outcome::refuse, "split brain: unknown policy"};
}

}  // namespace

split_brain_resolution resolve_split_brain(const split_brain_policy& policy,
                                           const split_brain_member& local,
                                           const split_brain_member& peer) {
  split_brain_resolution r = choose(policy, local, peer);
  const split_brain_member* victim = r.result == outcome::local_is_victim  ? &local
                                     : r.result == outcome::peer_is_victim ? &peer
                                                                           : nullptr;
  if (victim && victim->is_primary)
    return {outcome::refuse, r.why + ", but " + victim->node_name + " is primary: refused"};
  return r;
}

}  // namespace hamesh::replica
