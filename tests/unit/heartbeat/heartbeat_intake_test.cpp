// Datagrams to trusted heartbeats: each drop reason counted, accepted ones marked first or
// later copy.
#include <boost/test/unit_test.hpp>

#include "actors/heartbeat/heartbeat_intake.hpp"

using namespace hamesh::heartbeat;

namespace {

const std::string key = "shared-key-of-the-pair-0001";

heartbeat_message from(const std::string& node, uint64_t seq, const std::string& pair = "p1") {
  heartbeat_message m;
  m.node = node;
  m.pair = pair;
  m.generation = 3;
  m.sequence = seq;
  m.role = heartbeat_role::secondary;
  return m;
}

std::vector<uint8_t> wire(const heartbeat_message& m, const std::string& k = key) {
  return heartbeat_codec(k).encode(m).bytes;
}

heartbeat_intake make() {
  return heartbeat_intake(heartbeat_codec(key), intake_identity{"a", "b", "p1"}, 2);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(heartbeat_intake_suite)

BOOST_AUTO_TEST_CASE(each_drop_reason_is_counted_apart) {
  struct row {
    const char* name;
    size_t link;
    std::vector<uint8_t> bytes;
    heartbeat_errc expected;
  };
  std::vector<row> rows = {
      {"garbage", 0, {0x01, 0x02}, heartbeat_errc::malformed},
      {"foreign key", 0, wire(from("b", 1), "some-other-key-000000"),
       heartbeat_errc::bad_signature},
      {"another pair", 0, wire(from("b", 1, "p2")), heartbeat_errc::wrong_pair},
      {"our own heartbeat looped back", 0, wire(from("a", 1)), heartbeat_errc::own_message},
      {"a third node", 0, wire(from("c", 1)), heartbeat_errc::unknown_peer},
      {"a link we do not have", 2, wire(from("b", 1)), heartbeat_errc::unknown_link},
  };
  heartbeat_intake in = make();
  for (const row& r : rows) BOOST_TEST_CONTEXT(r.name) {
      intake_result res = in.accept(r.link, r.bytes);
      BOOST_TEST(!res.message);
      BOOST_TEST(to_string(res.error) == to_string(r.expected));
      BOOST_TEST(in.count(r.expected) == 1u);
    }
  BOOST_TEST(in.count(heartbeat_errc::none) == 0u);
  BOOST_TEST(in.suspicious() == 1u);  // only the foreign key
  // None of the drops touched the replay guard: the peer's first heartbeat is still fresh.
  BOOST_TEST(in.accept(0, wire(from("b", 1))).first_copy);
}

BOOST_AUTO_TEST_CASE(first_and_later_copies_pass_replays_do_not) {
  heartbeat_intake in = make();
  std::vector<uint8_t> h1 = wire(from("b", 1));
  intake_result first = in.accept(0, h1);
  BOOST_TEST_REQUIRE(first.message.has_value());
  BOOST_TEST(first.first_copy);
  intake_result later = in.accept(1, h1);
  BOOST_TEST_REQUIRE(later.message.has_value());
  BOOST_TEST(!later.first_copy);
  intake_result again = in.accept(1, h1);
  BOOST_TEST(!again.message);
  BOOST_TEST(to_string(again.error) == "replay");
  BOOST_TEST(in.first_copies() == 1u);
  BOOST_TEST(in.later_copies() == 1u);
  BOOST_TEST(in.count(heartbeat_errc::replay) == 1u);
  BOOST_TEST(in.suspicious() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
