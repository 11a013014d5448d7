// Reconnecting after a partition or a crash: bitmap resync of only the dirty regions, full
// checksum-based resync when the bitmap is untrusted, split brain refused or resolved by each
// policy, a crashed primary's in-flight regions, and writes replicating during a resync.
#include <boost/test/unit_test.hpp>

#include "tests/unit/replica/replica_pair.hpp"

using namespace hamesh::replica;
using namespace hamesh::replica::test;

namespace {

constexpr uint64_t region = 64 * 1024;

std::string pattern(char seed, uint64_t length) {
  std::string s(length, '\0');
  for (uint64_t i = 0; i < length; ++i) s[i] = char(seed + i * 31 % 251);
  return s;
}

// Whole-region writes, so that dirtied bytes are exactly what a resync must send.
uint64_t write_regions(replica_pair& p, side s, std::initializer_list<uint64_t> regions,
                       char seed) {
  uint64_t bytes = 0;
  for (uint64_t r : regions) {
    p.write(s, r * region, pattern(char(seed + r), region));
    bytes += region;
  }
  p.run();
  return bytes;
}

pair_options with_policy(const char* text) {
  pair_options o;
  o.policy = *split_brain_policy::parse(text);
  return o;
}

void expect_identical_and_up_to_date(replica_pair& p) {
  BOOST_TEST(p.stores_equal());
  for (side s : {side::a, side::b}) {
    BOOST_TEST(p.core(s).state().connection == connection_state::connected);
    BOOST_TEST(p.core(s).state().disk == disk_state::up_to_date);
    BOOST_TEST(p.core(s).bitmap().empty());
  }
  BOOST_TEST(p.core(side::a).ids().current == p.core(side::b).ids().current);
}

// Both members wrote while parted: alpha (primary) regions 1-3, beta (promoted) region 10
// and region 2, so each side has a region the other lacks.
void split_brain(replica_pair& p, uint64_t beta_stamp = 200) {
  p.make_in_sync();
  p.cut();
  write_regions(p, side::a, {1, 2, 3}, 'a');
  p.command(side::b, p.core(side::b).promote(false, beta_stamp));
  write_regions(p, side::b, {2, 10}, 'b');
}

}  // namespace

BOOST_AUTO_TEST_SUITE(replica_core_resync)

BOOST_AUTO_TEST_CASE(a_bitmap_resync_sends_only_the_regions_dirtied_while_parted) {
  replica_pair p;
  p.make_in_sync();
  write_regions(p, side::a, {0, 1, 2, 3, 4, 5, 6, 7}, 'x');  // before: replicated normally
  p.flush(side::a);
  p.run();
  p.cut();
  uint64_t dirtied = write_regions(p, side::a, {3, 17, 18, 40, 63}, 'd');
  p.write(side::a, 20 * region + 100, "a small write dirties its region");
  p.run();
  dirtied += region;
  BOOST_TEST(p.core(side::a).bitmap().count() == 6u);
  p.connect();
  p.run();
  expect_identical_and_up_to_date(p);
  BOOST_REQUIRE(p.m(side::a).resyncs.size() == 2u);
  const resync_stats& st = p.m(side::a).resyncs.back();
  BOOST_TEST(!st.full);
  BOOST_TEST(st.regions_total == 6u);
  BOOST_TEST(st.dirty_bytes_total == dirtied);
  BOOST_TEST(st.data_bytes_sent == dirtied);
  BOOST_TEST(double(st.wire_bytes_sent) <= 1.05 * double(dirtied));
  BOOST_TEST(p.m(side::b).resyncs.size() == 2u);
}

BOOST_AUTO_TEST_CASE(the_target_is_inconsistent_until_the_resync_is_done) {
  replica_pair p;
  p.make_in_sync();
  p.cut();
  write_regions(p, side::a, {5}, 'i');
  p.auto_deliver(side::a, false);
  p.connect();
  p.run();
  // The hello, the decision: beta is the target and says so durably before any region.
  while (p.core(side::b).state().connection != connection_state::sync_target) {
    BOOST_REQUIRE(p.deliver(side::a));
    p.run();
  }
  BOOST_TEST(p.core(side::b).state().disk == disk_state::inconsistent);
  BOOST_TEST(!p.m(side::b).stored_metadata.ids.consistent);
  BOOST_TEST(p.core(side::b).promote(false, 300).error == replica_errc::disk_inconsistent);
  p.auto_deliver(side::a, true);
  p.run();
  expect_identical_and_up_to_date(p);
  BOOST_TEST(p.m(side::b).stored_metadata.ids.consistent);
}

BOOST_AUTO_TEST_CASE(application_writes_keep_replicating_during_a_resync) {
  pair_options o;
  o.resync_window = 1;
  replica_pair p(o);
  p.make_in_sync();
  p.cut();
  write_regions(p, side::a, {2, 4, 6, 8, 10, 12}, 'r');
  p.connect();
  // A few steps into the resync, write into regions being resynced, waiting, and clean.
  for (int i = 0; i < 12; ++i)
    p.deliver(i % 2 ? side::a : side::b), p.complete_io(side::a), p.complete_io(side::b);
  BOOST_TEST(p.core(side::a).state().connection == connection_state::sync_source);
  uint64_t during[] = {p.write(side::a, 4 * region + 10, "during 4"),
                       p.write(side::a, 12 * region, pattern('z', region)),
                       p.write(side::a, 30 * region + 5, "clean region")};
  p.run();
  expect_identical_and_up_to_date(p);
  for (uint64_t id : during) BOOST_TEST(p.m(side::a).write_acks.at(id) == replica_errc::none);
  p.command(side::a, p.core(side::a).start_verify());
  p.run();
  BOOST_TEST(p.m(side::a).verified->mismatches == 0u);
}

BOOST_AUTO_TEST_CASE(an_untrusted_bitmap_means_a_full_resync_sending_only_differing_regions) {
  replica_pair p;
  p.make_in_sync();
  write_regions(p, side::a, {0, 1, 2, 3}, 'q');
  p.flush(side::a);
  p.run();
  p.cut();
  uint64_t dirtied = write_regions(p, side::a, {11, 12, 50}, 'u');
  p.flush(side::a);
  p.run();
  // Alpha restarts and finds its stored bitmap torn.
  std::string torn = p.m(side::a).stored_bitmap;
  torn[torn.size() / 2] ^= 1;
  p.crash(side::a, torn);
  BOOST_TEST(!p.core(side::a).bitmap_trusted());
  p.connect();
  p.run();
  expect_identical_and_up_to_date(p);
  const resync_stats& st = p.m(side::a).resyncs.back();
  BOOST_TEST(st.full);
  BOOST_TEST(st.checksums);
  BOOST_TEST(st.regions_total == p.core(side::a).bitmap().regions());
  BOOST_TEST(st.regions_in_sync == st.regions_total - 3);
  BOOST_TEST(st.data_bytes_sent == dirtied);
  BOOST_TEST(p.core(side::a).bitmap_trusted());
}

BOOST_AUTO_TEST_CASE(a_crashed_primary_resyncs_the_regions_it_had_in_flight) {
  replica_pair p;
  p.make_in_sync();
  // Alpha writes region 7 (FUA: on its disk), but the write never reaches beta.
  p.auto_deliver(side::a, false);
  p.write(side::a, 7 * region, pattern('c', region), true);
  p.run();
  BOOST_TEST(p.m(side::a).durable.substr(7 * region, region) == pattern('c', region));
  p.crash(side::a);
  BOOST_TEST(p.core(side::a).ids().crashed_primary);
  BOOST_TEST(p.core(side::a).state().role == replica_role::secondary);
  p.auto_deliver(side::a, true);
  p.connect();
  p.run();
  // The same generation on both, but the crashed primary's activity log names the extent
  // that holds region 7: the whole extent is resynced (DRBD's activity-log granularity).
  expect_identical_and_up_to_date(p);
  BOOST_TEST(!p.core(side::a).ids().crashed_primary);
  BOOST_TEST(p.m(side::a).resyncs.back().data_bytes_sent ==
             p.core(side::a).settings().activity_extent_size);
}

BOOST_AUTO_TEST_CASE(split_brain_is_detected_and_refused_by_default) {
  replica_pair p;
  split_brain(p);
  std::string alpha = p.m(side::a).cache, beta = p.m(side::b).cache;
  p.command(side::b, p.core(side::b).demote());
  p.connect();
  p.run();
  BOOST_TEST(p.core(side::a).state().connection == connection_state::refused_split_brain);
  BOOST_TEST(p.core(side::b).state().connection == connection_state::refused_split_brain);
  BOOST_TEST(p.m(side::a).cache == alpha);
  BOOST_TEST(p.m(side::b).cache == beta);
  // An operator resolves it: beta discards its data (DRBD's --discard-my-data).
  p.connect(false, true);
  p.run();
  expect_identical_and_up_to_date(p);
  BOOST_TEST(p.m(side::a).cache == alpha);
}

struct policy_case {
  const char* policy;
  side victim;
};

BOOST_AUTO_TEST_CASE(each_split_brain_policy_resolves_it_with_identical_stores) {
  const policy_case cases[] = {
      {"discard-younger-primary", side::b},  // beta was promoted later
      {"discard-least-changes", side::b},    // beta changed 2 regions, alpha 3
      {"discard-node beta", side::b},
      {"discard-node alpha", side::a},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.policy) {
      replica_pair p(with_policy(c.policy));
      split_brain(p);
      side survivor = other(c.victim);
      std::string kept = p.m(survivor).cache;
      // A policy never rolls back a member that is primary: the victim steps down first.
      p.command(c.victim, p.core(c.victim).demote());
      p.connect();
      p.run();
      expect_identical_and_up_to_date(p);
      // The victim's own changes (beta's region 10, or alpha's 1 and 3) are rolled back too.
      BOOST_TEST(p.m(c.victim).cache == kept);
      BOOST_TEST(p.m(survivor).resyncs.back().regions_total == 4u);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_policy_that_would_discard_a_primary_refuses) {
  replica_pair p(with_policy("discard-node beta"));
  split_brain(p);
  p.command(side::a, p.core(side::a).demote());  // beta, the victim, stays primary
  p.connect();
  p.run();
  BOOST_TEST(p.core(side::a).state().connection == connection_state::refused_split_brain);
}

BOOST_AUTO_TEST_CASE(members_that_were_never_a_pair_are_refused) {
  replica_pair p;
  p.command(side::a, p.core(side::a).initialise_as_first_source());
  p.command(side::b, p.core(side::b).initialise_as_first_source());
  p.connect();
  p.run();
  BOOST_TEST(p.core(side::a).state().connection == connection_state::refused_unrelated_data);
  BOOST_TEST(p.core(side::b).state().connection == connection_state::refused_unrelated_data);
}

BOOST_AUTO_TEST_CASE(the_initial_full_sync_copies_only_regions_that_differ) {
  replica_pair p;
  p.m(side::a).cache.replace(3 * region, region, pattern('i', region));
  p.m(side::a).cache.replace(33 * region, 10, "0123456789");
  p.m(side::a).durable = p.m(side::a).cache;
  p.command(side::a, p.core(side::a).initialise_as_first_source());
  p.connect();
  p.run();
  expect_identical_and_up_to_date(p);
  BOOST_TEST(p.m(side::a).resyncs.back().data_bytes_sent == 2 * region);
}

BOOST_AUTO_TEST_CASE(an_interrupted_resync_resumes_and_finishes) {
  replica_pair p;
  p.make_in_sync();
  p.cut();
  write_regions(p, side::a, {1, 2, 3, 4, 5, 6, 7, 8}, 'p');
  p.connect();
  for (int i = 0; i < 6; ++i)
    p.deliver(side::a), p.deliver(side::b), p.complete_io(side::a), p.complete_io(side::b);
  BOOST_TEST(p.core(side::a).resync_running());
  p.cut();
  BOOST_TEST(p.core(side::b).state().disk == disk_state::inconsistent);
  p.connect();
  p.run();
  expect_identical_and_up_to_date(p);
}

BOOST_AUTO_TEST_SUITE_END()
