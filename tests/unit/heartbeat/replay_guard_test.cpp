// Replays against later copies: the same (generation, sequence) arrives once per link.
#include <boost/test/unit_test.hpp>

#include "actors/heartbeat/replay_guard.hpp"

using namespace hamesh::heartbeat;

BOOST_AUTO_TEST_SUITE(replay_guard_suite)

BOOST_AUTO_TEST_CASE(replayed_message_is_counted_and_dropped) {
  replay_guard g(2);
  BOOST_TEST(to_string(g.check(0, 5, 10)) == "first_copy");
  BOOST_TEST(to_string(g.check(0, 5, 10)) == "replay");  // the same copy again on its link
  BOOST_TEST(to_string(g.check(0, 5, 9)) == "replay");   // older on the same link
  BOOST_TEST(g.replays() == 2u);
  BOOST_TEST(g.later_copies() == 0u);
}

BOOST_AUTO_TEST_CASE(the_copy_on_another_link_is_not_a_replay) {
  replay_guard g(3);
  BOOST_TEST(to_string(g.check(0, 5, 10)) == "first_copy");
  BOOST_TEST(to_string(g.check(1, 5, 10)) == "later_copy");
  BOOST_TEST(to_string(g.check(2, 5, 10)) == "later_copy");
  BOOST_TEST(to_string(g.check(1, 5, 10)) == "replay");  // a second copy on link 1
  BOOST_TEST(g.later_copies() == 2u);
  BOOST_TEST(g.replays() == 1u);
}

BOOST_AUTO_TEST_CASE(a_lagging_link_within_the_window_delivers_later_copies) {
  replay_guard g(2, 4);
  for (uint64_t s = 1; s <= 6; ++s) BOOST_TEST(to_string(g.check(0, 1, s)) == "first_copy");
  // Link 1 is three heartbeats behind: 3, 4, 5, 6 are within a window of 4 of 6.
  BOOST_TEST(to_string(g.check(1, 1, 3)) == "later_copy");
  BOOST_TEST(to_string(g.check(1, 1, 4)) == "later_copy");
  // Link 1 delivers in order, so going back is a replay even inside the window.
  BOOST_TEST(to_string(g.check(1, 1, 3)) == "replay");
  // Outside the window: 6 - 2 = 4 is not < 4.
  replay_guard h(2, 4);
  for (uint64_t s = 1; s <= 6; ++s) h.check(0, 1, s);
  BOOST_TEST(to_string(h.check(1, 1, 2)) == "replay");
  BOOST_TEST(to_string(h.check(1, 1, 3)) == "later_copy");
}

BOOST_AUTO_TEST_CASE(a_restarted_peer_with_a_new_generation_is_not_a_replay) {
  replay_guard g(2);
  BOOST_TEST(to_string(g.check(0, 100, 5000)) == "first_copy");
  // Restarted: sequence 1 again, but a larger generation.
  BOOST_TEST(to_string(g.check(0, 200, 1)) == "first_copy");
  BOOST_TEST(to_string(g.check(1, 200, 1)) == "later_copy");
  // The old generation is a replay from then on, however high its sequence.
  BOOST_TEST(to_string(g.check(1, 100, 5001)) == "replay");
  BOOST_TEST(to_string(g.check(0, 100, 999999)) == "replay");
  BOOST_TEST(g.newest()->generation == 200u);
}

BOOST_AUTO_TEST_CASE(a_later_copy_of_an_older_generation_is_a_replay) {
  replay_guard g(2);
  g.check(0, 1, 10);
  g.check(0, 2, 1);
  // Link 1 never delivered anything, so (1, 10) is newer on that link; but its generation
  // is gone.
  BOOST_TEST(to_string(g.check(1, 1, 10)) == "replay");
}

BOOST_AUTO_TEST_CASE(a_link_past_the_end_is_never_trusted) {
  replay_guard g(1);
  BOOST_TEST(to_string(g.check(1, 1, 1)) == "replay");
  BOOST_TEST(!g.newest());
}

BOOST_AUTO_TEST_SUITE_END()
