// When this node sends and what: one round per keepalive, the same sequence on every link.
#include <boost/test/unit_test.hpp>

#include "actors/heartbeat/heartbeat_sender.hpp"

using namespace hamesh::heartbeat;
using namespace std::chrono_literals;

namespace {

const time_point t0{std::chrono::seconds(1000)};

heartbeat_sender make() {
  return heartbeat_sender({"a", "p1", 77}, 50ms, {"eth1", "mesh"}, t0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(heartbeat_sender_suite)

BOOST_AUTO_TEST_CASE(every_link_gets_the_same_sequence_each_keepalive) {
  heartbeat_sender s = make();
  sender_status st;
  st.role = heartbeat_role::primary;
  st.resources_held = true;
  st.peer_generation = 5;
  std::vector<outgoing_heartbeat> r1 = s.due(t0, st);
  BOOST_TEST_REQUIRE(r1.size() == 2u);
  for (size_t i = 0; i < r1.size(); ++i) {
    BOOST_TEST(r1[i].link == i);
    BOOST_TEST(r1[i].message.sequence == 1u);
    BOOST_TEST(r1[i].message.generation == 77u);
    BOOST_TEST((r1[i].message.role == heartbeat_role::primary));
    BOOST_TEST(r1[i].message.resources_held);
    BOOST_TEST(r1[i].message.peer_generation == 5u);
  }
  BOOST_TEST(r1[0].message.link == "eth1");
  BOOST_TEST(r1[1].message.link == "mesh");
  BOOST_TEST((s.next_send() == t0 + 50ms));
  BOOST_TEST(s.due(t0 + 49ms, st).empty());
  std::vector<outgoing_heartbeat> r2 = s.due(t0 + 50ms, st);
  BOOST_TEST_REQUIRE(r2.size() == 2u);
  BOOST_TEST(r2[0].message.sequence == 2u);
  BOOST_TEST((s.next_send() == t0 + 100ms));
}

BOOST_AUTO_TEST_CASE(a_late_call_sends_one_round_not_a_burst) {
  heartbeat_sender s = make();
  s.due(t0, {});
  BOOST_TEST(s.due(t0 + 420ms, {}).size() == 2u);
  BOOST_TEST((s.next_send() == t0 + 470ms));
  BOOST_TEST(s.due(t0 + 421ms, {}).empty());
  BOOST_TEST(s.last_sequence() == 2u);
}

BOOST_AUTO_TEST_CASE(send_now_goes_out_at_once_and_moves_the_schedule) {
  heartbeat_sender s = make();
  s.due(t0, {});
  sender_status releasing;
  releasing.role = heartbeat_role::releasing;
  std::vector<outgoing_heartbeat> r = s.send_now(t0 + 10ms, releasing);
  BOOST_TEST((r.at(0).message.role == heartbeat_role::releasing));
  BOOST_TEST(r.at(0).message.sequence == 2u);
  BOOST_TEST((s.next_send() == t0 + 60ms));
  BOOST_TEST(s.due(t0 + 50ms, {}).empty());
}

BOOST_AUTO_TEST_SUITE_END()
