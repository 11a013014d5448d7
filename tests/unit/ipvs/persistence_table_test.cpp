// LVS persistence driven by hand-made time: the sliding timeout, expiry, forgetting a real,
// and what happens at max_entries.
#include "actors/ipvs/persistence_table.hpp"

#include <boost/test/unit_test.hpp>

using namespace hamesh::ipvs;
using namespace std::chrono_literals;

namespace {

using time_point = persistence_table::time_point;
// An index, or -1 for none: printable when a check fails.
long picked(const std::optional<size_t>& real) {
  return real ? static_cast<long>(*real) : -1;
}

const time_point t0{std::chrono::hours(1)};
const uint32_t alice = 0x0a000001;
const uint32_t bob = 0x0a000002;
const uint32_t carol = 0x0a000003;

}  // namespace

BOOST_AUTO_TEST_SUITE(ipvs_persistence_table_tests)

BOOST_AUTO_TEST_CASE(a_client_keeps_its_real_until_the_timeout_and_each_visit_extends_it) {
  persistence_table t(300s);
  BOOST_TEST(!t.find(alice, t0).has_value());
  t.remember(alice, 2, t0);
  BOOST_TEST(picked(t.find(alice, t0 + 299s)) == 2);
  BOOST_TEST(!t.find(alice, t0 + 300s).has_value());  // expired at exactly the timeout
  t.remember(alice, 2, t0 + 200s);                    // sliding: now until t0 + 500 s
  BOOST_TEST(picked(t.find(alice, t0 + 499s)) == 2);
  BOOST_TEST(!t.find(alice, t0 + 500s).has_value());
  BOOST_TEST(t.size() == 1u);
}

BOOST_AUTO_TEST_CASE(remembering_again_replaces_the_real) {
  persistence_table t(300s);
  t.remember(alice, 2, t0);
  t.remember(alice, 5, t0 + 1s);
  BOOST_TEST(picked(t.find(alice, t0 + 2s)) == 5);
  BOOST_TEST(t.size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_expired_entry_is_renewed_by_remember_before_the_sweep) {
  persistence_table t(10s);
  t.remember(alice, 1, t0);
  t.remember(alice, 3, t0 + 60s);
  BOOST_TEST(picked(t.find(alice, t0 + 65s)) == 3);
}

BOOST_AUTO_TEST_CASE(expire_drops_only_expired_entries_and_counts_them) {
  persistence_table t(100s);
  t.remember(alice, 0, t0);
  t.remember(bob, 1, t0 + 50s);
  t.remember(carol, 2, t0 + 100s);
  BOOST_TEST(t.expire(t0 + 99s) == 0u);
  BOOST_TEST(t.expire(t0 + 150s) == 2u);  // alice at 100 s, bob at exactly 150 s
  BOOST_TEST(t.size() == 1u);
  BOOST_TEST(picked(t.find(carol, t0 + 150s)) == 2);
  BOOST_TEST(t.expire(t0 + 150s) == 0u);
}

BOOST_AUTO_TEST_CASE(forget_real_drops_every_client_of_that_real_only) {
  persistence_table t(300s);
  t.remember(alice, 1, t0);
  t.remember(bob, 2, t0);
  t.remember(carol, 1, t0);
  t.forget_real(1);
  BOOST_TEST(t.size() == 1u);
  BOOST_TEST(!t.find(alice, t0).has_value());
  BOOST_TEST(!t.find(carol, t0).has_value());
  BOOST_TEST(picked(t.find(bob, t0)) == 2);
  t.forget_real(7);  // nobody there
  BOOST_TEST(t.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_full_table_sweeps_expired_entries_to_make_room) {
  persistence_table t(100s, 2);
  t.remember(alice, 0, t0);
  t.remember(bob, 1, t0 + 50s);
  t.remember(carol, 2, t0 + 120s);  // full; alice expired at 100 s and makes room
  BOOST_TEST(t.size() == 2u);
  BOOST_TEST(!t.find(alice, t0 + 120s).has_value());
  BOOST_TEST(picked(t.find(bob, t0 + 120s)) == 1);
  BOOST_TEST(picked(t.find(carol, t0 + 120s)) == 2);
}

BOOST_AUTO_TEST_CASE(a_full_table_of_live_entries_refuses_new_clients_but_keeps_refreshing) {
  persistence_table t(100s, 2);
  t.remember(alice, 0, t0);
  t.remember(bob, 1, t0);
  t.remember(carol, 2, t0 + 10s);  // no room: carol is not remembered, nobody is evicted
  BOOST_TEST(t.size() == 2u);
  BOOST_TEST(!t.find(carol, t0 + 10s).has_value());
  BOOST_TEST(picked(t.find(alice, t0 + 10s)) == 0);
  BOOST_TEST(picked(t.find(bob, t0 + 10s)) == 1);
  t.remember(alice, 0, t0 + 90s);  // a known client still slides
  BOOST_TEST(picked(t.find(alice, t0 + 150s)) == 0);
  t.remember(carol, 2, t0 + 150s);  // bob expired at 100 s: room now
  BOOST_TEST(picked(t.find(carol, t0 + 150s)) == 2);
  BOOST_TEST(t.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
