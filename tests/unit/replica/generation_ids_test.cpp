// DRBD's generation-identifier rules as a table (DRBD User's Guide, "How DRBD uses generation
// identifiers"), each case checked from both members' sides, and the events that move ids.
#include <boost/test/unit_test.hpp>

#include "tests/unit/replica/replica_printing.hpp"

#include "actors/replica/generation_ids.hpp"
#include "actors/replica/replica_metadata.hpp"
#include "actors/replica/sync_decision.hpp"

using namespace hamesh::replica;

namespace {

generation_ids gi(uint64_t current, uint64_t bitmap = 0, uint64_t h0 = 0, uint64_t h1 = 0) {
  generation_ids g;
  g.current = current;
  g.bitmap = bitmap;
  g.history = {h0, h1};
  g.consistent = current != 0;
  return g;
}

generation_ids crashed(generation_ids g) {
  g.crashed_primary = true;
  return g;
}

generation_ids inconsistent(generation_ids g) {
  g.consistent = false;
  return g;
}

// What the other member decides when this one decides `d`.
sync_decision mirror(sync_decision d) {
  switch (d) {
    case sync_decision::become_sync_source:
      return sync_decision::become_sync_target;
    case sync_decision::become_sync_target:
      return sync_decision::become_sync_source;
    case sync_decision::full_sync_as_source:
      return sync_decision::full_sync_as_target;
    case sync_decision::full_sync_as_target:
      return sync_decision::full_sync_as_source;
    default:
      return d;
  }
}

struct sync_case {
  const char* name;
  generation_ids local;
  generation_ids peer;
  sync_inputs in;
  sync_decision expected;
  int rule;
};

sync_inputs untrusted_local() {
  sync_inputs in;
  in.local_bitmap_trusted = false;
  return in;
}
sync_inputs wins_ties() {
  sync_inputs in;
  in.local_wins_ties = true;
  return in;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(generation_ids_rules)

BOOST_AUTO_TEST_CASE(decide_sync_follows_every_rule_and_both_members_agree) {
  using d = sync_decision;
  const uint64_t X = 0x1111, Y = 0x2222, Z = 0x3333, W = 0x4444, V = 0x5555;
  const sync_case cases[] = {
      {"both new", gi(0), gi(0), {}, d::no_initial_sync_source, 1},
      {"we are new", gi(0), gi(X), {}, d::full_sync_as_target, 2},
      {"the peer is new", gi(X), gi(0), {}, d::full_sync_as_source, 3},
      {"same generation, one inconsistent",
       inconsistent(gi(X)),
       gi(X),
       {},
       d::full_sync_as_target,
       4},
      {"same generation, both crashed, tie won", crashed(gi(X)), crashed(gi(X)), wins_ties(),
       d::become_sync_source, 5},
      {"same generation, both crashed, tie lost",
       crashed(gi(X)),
       crashed(gi(X)),
       {},
       d::become_sync_target,
       5},
      {"same generation, we crashed as primary",
       crashed(gi(X)),
       gi(X),
       {},
       d::become_sync_source,
       6},
      {"same generation, peer crashed as primary",
       gi(X),
       crashed(gi(X)),
       {},
       d::become_sync_target,
       7},
      {"same generation", gi(X), gi(X), {}, d::in_sync, 8},
      {"we moved on (primary lost its peer)", gi(Y, X), gi(X), {}, d::become_sync_source, 9},
      {"we moved on twice while parted", gi(Z, X, Y), gi(X), {}, d::become_sync_source, 9},
      {"we moved on, but our bitmap is untrusted", gi(Y, X), gi(X), untrusted_local(),
       d::full_sync_as_source, 9},
      {"the peer moved on", gi(X), gi(Y, X), {}, d::become_sync_target, 10},
      {"the peer moved on, our bitmap untrusted", gi(X), gi(Y, X), untrusted_local(),
       d::full_sync_as_target, 10},
      {"both moved on from the same parting", gi(Y, X), gi(Z, X), {}, d::split_brain, 11},
      {"the peer is generations ahead", gi(X), gi(Z, 0, Y, X), {}, d::full_sync_as_target, 12},
      {"we are generations ahead", gi(Z, 0, X), gi(X), {}, d::full_sync_as_source, 13},
      {"both moved on from an older generation", gi(Y, 0, X), gi(Z, 0, X), {}, d::split_brain, 14},
      {"bitmap matches an old history", gi(Y, W), gi(Z, 0, W), {}, d::split_brain, 14},
      {"nothing in common", gi(Y, X, W), gi(Z, V), {}, d::unrelated_data, 15},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      sync_verdict v = decide_sync(c.local, c.peer, c.in);
      BOOST_TEST(to_string(v.decision) == to_string(c.expected));
      BOOST_TEST(v.rule == c.rule);
      // The peer sees the mirror image: swapped tuples, trust and tie.
      sync_inputs other;
      other.local_bitmap_trusted = c.in.peer_bitmap_trusted;
      other.peer_bitmap_trusted = c.in.local_bitmap_trusted;
      other.local_wins_ties = !c.in.local_wins_ties;
      sync_verdict w = decide_sync(c.peer, c.local, other);
      BOOST_TEST(to_string(w.decision) == to_string(mirror(c.expected)));
    }
  }
  BOOST_TEST(decide_sync(gi(Y, X), gi(Z, X)).bitmap_usable);
  BOOST_TEST(!decide_sync(gi(Y, 0, X), gi(Z, 0, X)).bitmap_usable);
}

BOOST_AUTO_TEST_CASE(a_new_generation_keeps_the_parting_point_in_the_bitmap_id) {
  generation_ids g = gi(10);
  g.start_new_generation(20);
  BOOST_TEST(g.current == 20u);
  BOOST_TEST(g.bitmap == 10u);
  // A second generation while still parted: the bitmap still counts from 10.
  g.start_new_generation(30);
  BOOST_TEST(g.current == 30u);
  BOOST_TEST(g.bitmap == 10u);
  BOOST_TEST(g.history[0] == 20u);
  BOOST_TEST(g.knows(20));
  BOOST_TEST(!g.knows(0));
}

BOOST_AUTO_TEST_CASE(a_finished_resync_rotates_the_bitmap_id_and_the_target_adopts_the_source) {
  generation_ids source = gi(20, 10, 5);
  source.primary = true;
  source.crashed_primary = true;
  generation_ids target = inconsistent(gi(10, 0, 5));
  target.crashed_primary = true;
  source.finish_resync_as_source();
  BOOST_TEST(source.bitmap == 0u);
  BOOST_TEST(source.history[0] == 10u);
  BOOST_TEST(source.history[1] == 5u);
  BOOST_TEST(!source.crashed_primary);
  target.finish_resync_as_target(source);
  BOOST_TEST(target.current == 20u);
  BOOST_TEST(target.consistent);
  BOOST_TEST(!target.crashed_primary);
  BOOST_TEST(!target.primary);  // the target keeps its own role flag
  BOOST_TEST(to_string(decide_sync(source, target).decision) == "in_sync");
}

BOOST_AUTO_TEST_CASE(first_initialisation_makes_the_designated_member_the_full_sync_source) {
  generation_ids a, b;
  BOOST_TEST(to_string(decide_sync(a, b).decision) == "no_initial_sync_source");
  a.initialise_as_first_source(77);
  BOOST_TEST(a.consistent);
  BOOST_TEST(to_string(decide_sync(a, b).decision) == "full_sync_as_source");
  BOOST_TEST(to_string(decide_sync(b, a).decision) == "full_sync_as_target");
}

BOOST_AUTO_TEST_CASE(flag_bits_round_trip_and_unknown_bits_are_refused) {
  generation_ids g;
  g.primary = true;
  g.crashed_primary = true;
  generation_ids h;
  BOOST_TEST(h.set_flag_bits(g.flag_bits()));
  BOOST_TEST((h == g));
  BOOST_TEST(!h.set_flag_bits(8));
}

BOOST_AUTO_TEST_CASE(metadata_round_trips_and_a_torn_copy_is_refused) {
  replica_metadata m;
  m.ids = gi(20, 10, 5, 4);
  m.ids.primary = true;
  m.promoted_at = 123456789;
  std::string bytes = m.encode();
  metadata_load back = decode_replica_metadata(bytes);
  BOOST_REQUIRE(back.metadata);
  BOOST_TEST((*back.metadata == m));
  for (size_t i = 0; i < bytes.size(); i += 7) {
    std::string torn = bytes;
    torn[i] = char(torn[i] ^ 0x40);
    BOOST_TEST(!decode_replica_metadata(torn).metadata);
  }
  BOOST_TEST(!decode_replica_metadata(bytes.substr(0, 20)).metadata);
}

BOOST_AUTO_TEST_SUITE_END()
