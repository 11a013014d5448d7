// Peer membership driven by hand-made time: connect, first answer, RTT, silence, loss,
// backoff, and the passive side of a pair.
#include "runtime/mesh/membership.hpp"

#include <boost/test/unit_test.hpp>

using namespace hamesh::mesh;
using namespace std::chrono_literals;

namespace {
const time_point t0{std::chrono::hours(1)};
membership_settings settings() {
  return {200ms, 1s, 100ms, 2s};
}
using names = std::vector<std::string>;
std::string state(const membership& m, size_t i = 0) {
  return to_string(m.peers()[i].state);
}
int64_t ns(duration d) {
  return d.count();
}

// A peer connected at t0 that answered the first ping at t0 + 1ms.
membership up_at_t0() {
  membership m(settings(), {{"a:1", true}}, t0);
  m.tick(t0);
  m.connected("a:1", t0);
  m.tick(t0);
  m.answered("a:1", "a", t0, t0 + 1ms);
  return m;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(mesh_membership_tests)

BOOST_AUTO_TEST_CASE(every_peer_is_connected_to_at_start) {
  membership m(settings(), {{"a:1", true}, {"b:2", true}}, t0);
  BOOST_TEST(m.tick(t0).connect == (names{"a:1", "b:2"}));
  BOOST_TEST(m.tick(t0 + 1ms).connect.empty());  // attempts under way are not repeated
  BOOST_TEST(state(m) == "connecting");
}

BOOST_AUTO_TEST_CASE(a_connected_peer_is_up_only_once_it_answers) {
  membership m(settings(), {{"a:1", true}}, t0);
  m.tick(t0);
  m.connected("a:1", t0 + 5ms);
  BOOST_TEST(state(m) == "connecting");  // a connection is not an answer
  BOOST_TEST(m.tick(t0 + 5ms).ping == (names{"a:1"}));
  m.answered("a:1", "node-a", t0 + 5ms, t0 + 6ms);
  BOOST_TEST(state(m) == "up");
  BOOST_TEST((m.peers()[0].since == t0 + 6ms));
  BOOST_TEST(m.peers()[0].name == "node-a");
  BOOST_TEST(ns(*m.peers()[0].rtt) == ns(1ms));
  BOOST_TEST(m.peers()[0].connects == 1u);
  BOOST_TEST(m.tick(t0 + 100ms).ping.empty());
  BOOST_TEST(m.tick(t0 + 205ms).ping == (names{"a:1"}));  // every heartbeat
}

BOOST_AUTO_TEST_CASE(a_peer_silent_for_down_after_goes_down_and_is_reconnected) {
  auto m = up_at_t0();
  m.answered("a:1", "a", t0, t0 + 100ms);
  BOOST_TEST(m.tick(t0 + 1099ms).went_down.empty());
  auto acts = m.tick(t0 + 1100ms);  // exactly down_after after the last answer
  BOOST_TEST(acts.went_down == (names{"a:1"}));
  BOOST_TEST(acts.drop_link == (names{"a:1"}));  // ours to redial
  BOOST_TEST(acts.connect == (names{"a:1"}));
  BOOST_TEST(m.peers()[0].last_error == "no answer for 1s");
  BOOST_TEST((m.peers()[0].since == t0 + 1100ms));
}

BOOST_AUTO_TEST_CASE(a_reconnect_to_a_stalled_peer_is_not_up_and_backs_off) {
  auto m = up_at_t0();
  m.tick(t0 + 1001ms);              // silent: down, reconnect at once
  m.connected("a:1", t0 + 1002ms);  // CAF hands back the old connection at once
  BOOST_TEST(state(m) == "connecting");
  auto acts = m.tick(t0 + 2002ms);  // and the peer still does not answer
  BOOST_TEST(acts.went_down == (names{"a:1"}));
  BOOST_TEST(acts.connect.empty());  // backoff before the next attempt
  BOOST_TEST(m.peers()[0].last_error == "connected but no answer for 1s");
  BOOST_TEST(m.tick(t0 + 2102ms).connect == (names{"a:1"}));
  BOOST_TEST((m.peers()[0].since == t0 + 1001ms));  // down since the first silence
}

BOOST_AUTO_TEST_CASE(a_lost_connection_is_down_at_once_and_retried_after_the_shortest_backoff) {
  auto m = up_at_t0();
  m.lost("a:1", "remote_link_unreachable", t0 + 2s);
  BOOST_TEST(state(m) == "down");
  BOOST_TEST(m.peers()[0].last_error == "remote_link_unreachable");
  BOOST_TEST(m.tick(t0 + 2s + 99ms).connect.empty());
  BOOST_TEST(m.tick(t0 + 2s + 100ms).connect == (names{"a:1"}));
  BOOST_TEST((m.peers()[0].since == t0 + 2s));  // down since the loss, not the new attempt
  m.answered("a:1", "a", t0, t0 + 2s + 150ms);  // a late answer on the dead connection
  BOOST_TEST(state(m) == "connecting");
}

BOOST_AUTO_TEST_CASE(failed_attempts_back_off_exponentially_up_to_the_cap) {
  membership m(settings(), {{"a:1", true}}, t0);
  BOOST_TEST(ns(m.backoff(1)) == ns(100ms));
  BOOST_TEST(ns(m.backoff(2)) == ns(200ms));
  BOOST_TEST(ns(m.backoff(5)) == ns(1600ms));
  BOOST_TEST(ns(m.backoff(6)) == ns(2s));
  BOOST_TEST(ns(m.backoff(60)) == ns(2s));
  m.tick(t0);
  m.connect_failed("a:1", "refused", t0);
  BOOST_TEST(m.tick(t0 + 99ms).connect.empty());
  BOOST_TEST(m.tick(t0 + 100ms).connect.size() == 1u);
  m.connect_failed("a:1", "refused", t0 + 100ms);
  BOOST_TEST(m.tick(t0 + 299ms).connect.empty());
  BOOST_TEST(m.tick(t0 + 300ms).connect.size() == 1u);
  m.connected("a:1", t0 + 300ms);
  m.answered("a:1", "a", t0 + 300ms, t0 + 301ms);  // up: the backoff starts afresh
  m.lost("a:1", "x", t0 + 400ms);
  BOOST_TEST(m.tick(t0 + 500ms).connect.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_passive_peer_is_never_connected_to_and_comes_up_on_hello) {
  membership m(settings(), {{"lower:1", false}}, t0);
  BOOST_TEST(m.tick(t0).connect.empty());
  BOOST_TEST(m.tick(t0 + 1h).connect.empty());
  BOOST_TEST(m.peers()[0].last_error == "waiting for it to connect");
  m.connected("lower:1", t0 + 1h);  // its hello arrived
  BOOST_TEST(m.tick(t0 + 1h).ping == (names{"lower:1"}));
  m.answered("lower:1", "low", t0 + 1h, t0 + 1h + 1ms);
  BOOST_TEST(state(m) == "up");
  m.lost("lower:1", "remote_link_unreachable", t0 + 2h);
  BOOST_TEST(m.tick(t0 + 3h).connect.empty());  // still its job to come back
}

BOOST_AUTO_TEST_CASE(a_silent_passive_peer_stays_linked_and_comes_back_when_it_answers) {
  // A peer stopped for less than the connection timeout never notices it was gone and
  // never says hello again: the passive side must keep asking on the same connection.
  membership m(settings(), {{"lower:1", false}}, t0);
  m.connected("lower:1", t0);
  m.tick(t0);
  m.answered("lower:1", "low", t0, t0 + 1ms);
  auto acts = m.tick(t0 + 1001ms);
  BOOST_TEST(acts.went_down == (names{"lower:1"}));
  BOOST_TEST(acts.drop_link.empty());
  BOOST_TEST(state(m) == "down");
  BOOST_TEST(m.tick(t0 + 1300ms).ping == (names{"lower:1"}));  // still asking
  BOOST_TEST(m.tick(t0 + 1301ms).went_down.empty());           // reported once
  m.answered("lower:1", "low", t0 + 1300ms, t0 + 1302ms);
  BOOST_TEST(state(m) == "up");
}

BOOST_AUTO_TEST_CASE(answers_and_losses_of_unknown_or_unlinked_peers_change_nothing) {
  membership m(settings(), {{"a:1", true}}, t0);
  m.answered("a:1", "a", t0, t0 + 1ms);  // not connected: ignored
  BOOST_TEST(m.peers()[0].name.empty());
  m.lost("zz:9", "x", t0);
  m.connected("zz:9", t0);
  BOOST_TEST(m.peers().size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
