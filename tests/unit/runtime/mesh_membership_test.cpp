// Peer membership driven by hand-made time: connect, RTT, silence, loss, backoff.
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
}  // namespace

BOOST_AUTO_TEST_SUITE(mesh_membership_tests)

BOOST_AUTO_TEST_CASE(every_peer_is_connected_to_at_start) {
  membership m(settings(), {{"a:1", true}, {"b:2", true}}, t0);
  auto acts = m.tick(t0);
  BOOST_TEST(acts.connect == (names{"a:1", "b:2"}));
  BOOST_TEST(m.tick(t0 + 1ms).connect.empty());  // attempts under way are not repeated
  BOOST_TEST(to_string(m.peers()[0].state) == "connecting");
}

BOOST_AUTO_TEST_CASE(a_connected_peer_is_up_pinged_at_once_and_then_every_heartbeat) {
  membership m(settings(), {{"a:1", true}}, t0);
  m.tick(t0);
  m.connected("a:1", t0 + 5ms);
  BOOST_TEST(to_string(m.peers()[0].state) == "up");
  BOOST_TEST((m.peers()[0].since == t0 + 5ms));
  BOOST_TEST(m.tick(t0 + 5ms).ping == (names{"a:1"}));
  BOOST_TEST(m.tick(t0 + 100ms).ping.empty());
  m.answered("a:1", "node-a", t0 + 5ms, t0 + 6ms);
  BOOST_TEST(m.peers()[0].name == "node-a");
  BOOST_TEST(m.peers()[0].rtt->count() == std::chrono::nanoseconds(1ms).count());
  BOOST_TEST(m.tick(t0 + 205ms).ping == (names{"a:1"}));
}

BOOST_AUTO_TEST_CASE(a_peer_silent_for_down_after_goes_down_and_is_reconnected) {
  membership m(settings(), {{"a:1", true}}, t0);
  m.tick(t0);
  m.connected("a:1", t0);
  m.answered("a:1", "a", t0, t0 + 100ms);
  BOOST_TEST(m.tick(t0 + 1099ms).went_down.empty());
  auto acts = m.tick(t0 + 1100ms);  // exactly down_after after the last answer
  BOOST_TEST(acts.went_down == (names{"a:1"}));
  BOOST_TEST(acts.connect == (names{"a:1"}));
  BOOST_TEST(m.peers()[0].last_error == "no answer for 1s");
  BOOST_TEST((m.peers()[0].since == t0 + 1100ms));
}

BOOST_AUTO_TEST_CASE(a_lost_connection_is_down_at_once_and_retried_after_the_shortest_backoff) {
  membership m(settings(), {{"a:1", true}}, t0);
  m.tick(t0);
  m.connected("a:1", t0);
  m.lost("a:1", "remote_link_unreachable", t0 + 2s);
  BOOST_TEST(to_string(m.peers()[0].state) == "down");
  BOOST_TEST(m.peers()[0].last_error == "remote_link_unreachable");
  BOOST_TEST(m.tick(t0 + 2s + 99ms).connect.empty());
  BOOST_TEST(m.tick(t0 + 2s + 100ms).connect == (names{"a:1"}));
  // Down since the loss, not since the new attempt.
  BOOST_TEST((m.peers()[0].since == t0 + 2s));
}

BOOST_AUTO_TEST_CASE(failed_attempts_back_off_exponentially_up_to_the_cap) {
  membership m(settings(), {{"a:1", true}}, t0);
  BOOST_TEST(m.backoff(1).count() == std::chrono::nanoseconds(100ms).count());
  BOOST_TEST(m.backoff(2).count() == std::chrono::nanoseconds(200ms).count());
  BOOST_TEST(m.backoff(5).count() == std::chrono::nanoseconds(1600ms).count());
  BOOST_TEST(m.backoff(6).count() == std::chrono::nanoseconds(2s).count());
  BOOST_TEST(m.backoff(60).count() == std::chrono::nanoseconds(2s).count());
  auto now = t0;
  m.tick(now);
  m.connect_failed("a:1", "refused", now);
  BOOST_TEST(m.tick(now + 99ms).connect.empty());
  BOOST_TEST(m.tick(now + 100ms).connect.size() == 1u);
  m.connect_failed("a:1", "refused", now + 100ms);
  BOOST_TEST(m.tick(now + 299ms).connect.empty());
  BOOST_TEST(m.tick(now + 300ms).connect.size() == 1u);
  m.connected("a:1", now + 300ms);  // success resets the backoff
  m.lost("a:1", "x", now + 400ms);
  BOOST_TEST(m.tick(now + 500ms).connect.size() == 1u);
}

BOOST_AUTO_TEST_CASE(late_answers_and_unknown_peers_change_nothing) {
  membership m(settings(), {{"a:1", true}}, t0);
  m.answered("a:1", "a", t0, t0 + 1ms);  // not up: ignored
  BOOST_TEST(m.peers()[0].name.empty());
  m.lost("zz:9", "x", t0);
  m.connected("zz:9", t0);
  BOOST_TEST(m.peers().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_passive_peer_is_never_connected_to_and_comes_up_on_hello) {
  membership m(settings(), {{"lower:1", false}}, t0);
  BOOST_TEST(m.tick(t0).connect.empty());
  BOOST_TEST(m.tick(t0 + 1h).connect.empty());
  BOOST_TEST(m.peers()[0].last_error == "waiting for it to connect");
  m.connected("lower:1", t0 + 1h);  // its hello arrived
  BOOST_TEST(to_string(m.peers()[0].state) == "up");
  m.lost("lower:1", "remote_link_unreachable", t0 + 2h);
  BOOST_TEST(m.tick(t0 + 3h).connect.empty());  // still its job to come back
}

BOOST_AUTO_TEST_SUITE_END()
