// Who of the pair serves: one table of facts -> decision, the rules of pair_arbiter.hpp.
#include <boost/test/unit_test.hpp>

#include "actors/heartbeat/pair_arbiter.hpp"

using namespace hamesh::heartbeat;

namespace {

heartbeat_message peer_says(heartbeat_role role, bool held, bool degraded = false,
                            bool can_serve = true) {
  heartbeat_message m;
  m.node = "b";
  m.pair = "p1";
  m.generation = 1;
  m.sequence = 1;
  m.role = role;
  m.resources_held = held;
  m.degraded = degraded;
  m.can_serve = can_serve;
  return m;
}

pair_policy policy(const std::string& preferred, bool auto_failback = false,
                   const std::string& self = "a") {
  return pair_policy{self, self == "a" ? "b" : "a", preferred, auto_failback};
}

pair_facts facts(peer_state peer, std::optional<heartbeat_message> m, bool holds) {
  pair_facts f;
  f.peer = peer;
  f.peer_message = std::move(m);
  f.holds_any = holds;
  f.holds_all = holds;
  return f;
}

std::string said(const pair_decision& d) {
  std::string out = to_string(d.action);
  if (d.fence) out += "+fence";
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pair_arbiter_suite)

BOOST_AUTO_TEST_CASE(the_pair_decides_by_the_table) {
  using R = heartbeat_role;
  auto dead = peer_state::dead;
  auto alive = peer_state::alive;
  struct row {
    const char* name;
    pair_facts f;
    pair_policy p;
    const char* expected;
  };
  pair_facts running = facts(dead, peer_says(R::primary, true), false);
  running.run_in_progress = true;
  pair_facts degraded_holding = facts(alive, peer_says(R::secondary, false), true);
  degraded_holding.degraded = true;
  pair_facts degraded_dead_peer = facts(dead, peer_says(R::secondary, false), true);
  degraded_dead_peer.degraded = true;
  pair_facts degraded_peer_resyncing =
      facts(alive, peer_says(R::secondary, false, false, false), true);
  degraded_peer_resyncing.degraded = true;
  pair_facts both_degraded = facts(alive, peer_says(R::secondary, false, true), true);
  both_degraded.degraded = true;
  pair_facts stopping_alone = facts(dead, std::nullopt, true);
  stopping_alone.stopping = true;
  pair_facts degraded_idle = facts(dead, std::nullopt, false);
  degraded_idle.degraded = true;
  pair_facts failed_before = facts(dead, peer_says(R::primary, true), false);
  failed_before.last_takeover_failed = true;
  pair_facts release_failed = degraded_holding;
  release_failed.last_release_failed = true;
  pair_facts partly_held = facts(dead, peer_says(R::primary, true), true);
  partly_held.holds_all = false;
  std::vector<row> rows = {
      {"the secondary takes over on peer death, fencing first",
       facts(dead, peer_says(R::primary, true), false), policy("b"), "take_over+fence"},
      {"the peer never came up: initdead passed", facts(dead, std::nullopt, false), policy("b"),
       "take_over+fence"},
      {"the primary never takes over from itself", facts(dead, std::nullopt, true), policy("a"),
       "none"},
      {"a node holding part takes the rest", partly_held, policy("a"), "take_over+fence"},
      {"a run in progress is waited for", running, policy("b"), "none"},
      {"a degraded node hands over", degraded_holding, policy("a"), "release"},
      {"a degraded node keeps serving while the peer is dead", degraded_dead_peer, policy("a"),
       "none"},
      {"a degraded node keeps serving while the peer resyncs", degraded_peer_resyncing, policy("a"),
       "none"},
      {"a degraded node keeps serving while the peer is degraded too", both_degraded, policy("a"),
       "none"},
      {"a stopping node releases even with the peer dead", stopping_alone, policy("a"), "release"},
      {"no release loop after a failed release", release_failed, policy("a"), "none"},
      {"a degraded node never takes over", degraded_idle, policy("a"), "none"},
      {"no retry loop after a failed takeover", failed_before, policy("b"), "none"},
      {"before initdead nobody starts", facts(peer_state::unknown, std::nullopt, false),
       policy("a"), "none"},
      {"a releasing peer that holds nothing is taken over at once, unfenced",
       facts(alive, peer_says(R::releasing, false), false), policy("b"), "take_over"},
      {"a releasing peer still stopping is waited for",
       facts(alive, peer_says(R::releasing, true), false), policy("b"), "none"},
      {"a suspected peer is not dead",
       facts(peer_state::suspected, peer_says(R::primary, true), false), policy("b"), "none"},
      {"both primary after a partition: the non-preferred yields",
       facts(alive, peer_says(R::primary, true), true), policy("b"), "release"},
      {"both primary after a partition: the preferred keeps",
       facts(alive, peer_says(R::primary, true), true), policy("a"), "none"},
      {"both primary, no preferred node: the first name keeps",
       facts(alive, peer_says(R::primary, true), true), policy(""), "none"},
      {"both primary, no preferred node: the second name yields",
       facts(alive, peer_says(R::primary, true), true), policy("", false, "b"), "release"},
      {"auto_failback on: the preferred node is back, give back",
       facts(alive, peer_says(R::secondary, false), true), policy("b", true), "release"},
      {"auto_failback on but the preferred node is still resyncing: keep until it can serve",
       facts(alive, peer_says(R::secondary, false, false, false), true), policy("b", true), "none"},
      {"auto_failback off: keep serving", facts(alive, peer_says(R::secondary, false), true),
       policy("b", false), "none"},
      {"auto_failback on but the preferred node is degraded: keep",
       facts(alive, peer_says(R::secondary, false, true), true), policy("b", true), "none"},
      {"auto_failback on, this node is the preferred one: keep",
       facts(alive, peer_says(R::secondary, false), true), policy("a", true), "none"},
      {"nobody holds: the preferred node takes over",
       facts(alive, peer_says(R::secondary, false), false), policy("a"), "take_over"},
      {"nobody holds: the other node waits", facts(alive, peer_says(R::secondary, false), false),
       policy("b"), "none"},
      {"nobody holds and the preferred peer is degraded: take over",
       facts(alive, peer_says(R::secondary, false, true), false), policy("b"), "take_over"},
      {"the peer serves: stay secondary", facts(alive, peer_says(R::primary, true), false),
       policy("a"), "none"},
  };
  for (const row& r : rows) BOOST_TEST_CONTEXT(r.name) {
      pair_decision d = decide(r.f, r.p);
      BOOST_TEST(said(d) == std::string(r.expected));
      BOOST_TEST((d.action == pair_action::none) == d.reason.empty());
    }
}

BOOST_AUTO_TEST_CASE(a_releasing_node_says_so_until_the_peer_holds) {
  pair_facts f = facts(peer_state::alive, peer_says(heartbeat_role::secondary, false), true);
  f.run_in_progress = true;
  BOOST_TEST(to_string(announced_role(f, true)) == "releasing");
  f.run_in_progress = false;
  f.holds_any = f.holds_all = false;
  BOOST_TEST(to_string(announced_role(f, true)) == "releasing");
  f.peer_message = peer_says(heartbeat_role::primary, true);
  BOOST_TEST(to_string(announced_role(f, true)) == "secondary");
  f.holds_any = true;
  BOOST_TEST(to_string(announced_role(f, false)) == "primary");
}

BOOST_AUTO_TEST_SUITE_END()
