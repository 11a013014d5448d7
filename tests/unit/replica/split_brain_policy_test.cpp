// DRBD's after-sb-0pri policies (drbd.conf(5)): who is discarded, checked from both sides.
#include <boost/test/unit_test.hpp>

#include "tests/unit/replica/replica_printing.hpp"

#include "actors/replica/split_brain_policy.hpp"

using namespace hamesh::replica;
using outcome = split_brain_resolution::outcome;

namespace {

split_brain_member member(const char* name, uint64_t promoted_at, uint64_t dirty,
                          bool primary = false) {
  return {name, promoted_at, dirty, primary};
}

split_brain_policy policy(const char* text) {
  auto p = split_brain_policy::parse(text);
  BOOST_REQUIRE(p);
  return *p;
}

outcome mirrored(outcome o) {
  return o == outcome::local_is_victim  ? outcome::peer_is_victim
         : o == outcome::peer_is_victim ? outcome::local_is_victim
                                        : outcome::refuse;
}

struct policy_case {
  const char* name;
  const char* policy;
  split_brain_member local;
  split_brain_member peer;
  outcome expected;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(split_brain_policies)

BOOST_AUTO_TEST_CASE(each_policy_picks_the_victim_drbd_would) {
  const policy_case cases[] = {
      {"disconnect refuses", "disconnect", member("a", 1, 5), member("b", 2, 1), outcome::refuse},
      {"younger primary loses", "discard-younger-primary", member("a", 1, 5), member("b", 2, 9),
       outcome::peer_is_victim},
      {"younger primary is us", "discard-younger-primary", member("a", 3, 5), member("b", 2, 9),
       outcome::local_is_victim},
      {"same promotion falls to least changes", "discard-younger-primary", member("a", 2, 5),
       member("b", 2, 9), outcome::local_is_victim},
      {"same promotion and changes refuses", "discard-younger-primary", member("a", 2, 5),
       member("b", 2, 5), outcome::refuse},
      {"fewer changes loses", "discard-least-changes", member("a", 1, 3), member("b", 2, 4),
       outcome::local_is_victim},
      {"fewer changes on the peer", "discard-least-changes", member("a", 1, 30), member("b", 2, 4),
       outcome::peer_is_victim},
      {"a tie of changes refuses", "discard-least-changes", member("a", 1, 4), member("b", 2, 4),
       outcome::refuse},
      {"the named node loses", "discard-node b", member("a", 1, 4), member("b", 2, 9),
       outcome::peer_is_victim},
      {"the named node is us", "discard-node a", member("a", 1, 4), member("b", 2, 9),
       outcome::local_is_victim},
      {"a name of neither refuses", "discard-node c", member("a", 1, 4), member("b", 2, 9),
       outcome::refuse},
      {"a primary victim refuses", "discard-node b", member("a", 1, 4), member("b", 2, 9, true),
       outcome::refuse},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      split_brain_resolution r = resolve_split_brain(policy(c.policy), c.local, c.peer);
      BOOST_TEST(int(r.result) == int(c.expected));
      BOOST_TEST(!r.why.empty());
      split_brain_resolution w = resolve_split_brain(policy(c.policy), c.peer, c.local);
      BOOST_TEST(int(w.result) == int(mirrored(c.expected)));
    }
  }
}

BOOST_AUTO_TEST_CASE(policy_text_round_trips_and_unknown_text_is_refused) {
  for (const char* text : {"disconnect", "discard-younger-primary", "discard-least-changes",
                           "discard-node storage-b"}) {
    auto p = split_brain_policy::parse(text);
    BOOST_REQUIRE(p);
    BOOST_TEST(to_string(*p) == text);
  }
  for (const char* text :
       {"", "discard-node ", "discard-node a b", "discard-older-primary", "Disconnect"})
    BOOST_TEST(!split_brain_policy::parse(text));
}

BOOST_AUTO_TEST_SUITE_END()
