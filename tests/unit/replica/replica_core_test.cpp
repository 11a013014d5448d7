// replica_core driven through the two-member simulator: roles, the ack points of protocols
// A, B and C, write ordering, flush and FUA on both members, degraded writes, verify.
#include <boost/test/unit_test.hpp>

#include "tests/unit/replica/replica_pair.hpp"

using namespace hamesh::replica;
using namespace hamesh::replica::test;

namespace {

constexpr uint64_t KiB = 1024;
constexpr uint64_t region = 64 * KiB;

pair_options with_protocol(replication_protocol p) {
  pair_options o;
  o.protocol = p;
  return o;
}

bool acked_ok(sim_member& x, uint64_t id) {
  auto it = x.write_acks.find(id);
  return it != x.write_acks.end() && it->second == replica_errc::none;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(replica_core_replication)

BOOST_AUTO_TEST_CASE(a_new_pair_is_in_sync_after_the_initial_full_sync) {
  replica_pair p;
  p.make_in_sync();
  BOOST_TEST(p.core(side::a).state().connection == connection_state::connected);
  BOOST_TEST(p.core(side::b).state().disk == disk_state::up_to_date);
  BOOST_TEST(p.core(side::a).state().role == replica_role::primary);
  BOOST_TEST(p.core(side::a).ids().current == p.core(side::b).ids().current);
  // Both stores were zeros: the checksums matched and no region was sent.
  BOOST_REQUIRE(p.m(side::a).resyncs.size() == 1u);
  BOOST_TEST(p.m(side::a).resyncs[0].data_bytes_sent == 0u);
  BOOST_TEST(p.m(side::a).resyncs[0].regions_in_sync == p.core(side::a).bitmap().regions());
}

BOOST_AUTO_TEST_CASE(secondary_refuses_client_writes) {
  replica_pair p;
  p.make_in_sync();
  uint64_t id = p.write(side::b, 0, "x");
  BOOST_TEST(p.m(side::b).write_acks.at(id) == replica_errc::not_primary);
  BOOST_TEST(p.m(side::b).pending_io.empty());
  uint64_t fl = p.flush(side::b);
  BOOST_TEST(p.m(side::b).flush_acks.at(fl) == replica_errc::not_primary);
}

BOOST_AUTO_TEST_CASE(writes_past_the_end_or_too_large_are_refused) {
  replica_pair p;
  p.make_in_sync();
  uint64_t size = p.options().volume_size;
  BOOST_TEST(p.m(side::a).write_acks.at(p.write(side::a, size - 1, "ab")) ==
             replica_errc::out_of_range);
  BOOST_TEST(p.m(side::a).write_acks.at(p.write(side::a, 0, "")) == replica_errc::out_of_range);
  p.apply(side::a, p.core(side::a).client_write(999, 0, max_write_bytes + 1, false));
  BOOST_TEST(p.m(side::a).write_acks.at(999) == replica_errc::out_of_range);
}

BOOST_AUTO_TEST_CASE(protocol_c_acknowledges_only_after_both_members_are_durable) {
  replica_pair p(with_protocol(replication_protocol::c));
  p.make_in_sync();
  p.m(side::b).auto_io = false;
  uint64_t id = p.write(side::a, 3 * region, std::string(4096, 'c'));
  p.run();
  BOOST_TEST(p.m(side::a).pending_io.empty());  // written locally
  BOOST_TEST(p.m(side::b).pending_io.size() == 1u);
  BOOST_TEST(!p.m(side::a).write_acks.count(id));  // the peer's disk has not answered
  BOOST_REQUIRE(p.complete_io(side::b));
  p.run();
  BOOST_TEST(acked_ok(p.m(side::a), id));
  BOOST_TEST(p.m(side::b).cache.substr(3 * region, 4096) == std::string(4096, 'c'));
}

BOOST_AUTO_TEST_CASE(protocol_c_waits_for_the_local_disk_too) {
  replica_pair p(with_protocol(replication_protocol::c));
  p.make_in_sync();
  p.m(side::a).auto_io = false;
  uint64_t id = p.write(side::a, 0, "abc");
  p.run();
  BOOST_TEST(p.m(side::b).cache.substr(0, 3) == "abc");
  BOOST_TEST(!p.m(side::a).write_acks.count(id));
  p.complete_io(side::a);
  BOOST_TEST(acked_ok(p.m(side::a), id));
}

BOOST_AUTO_TEST_CASE(protocol_b_acknowledges_once_the_peer_received_the_write) {
  replica_pair p(with_protocol(replication_protocol::b));
  p.make_in_sync();
  p.m(side::b).auto_io = false;
  p.auto_deliver(side::a, false);
  uint64_t id = p.write(side::a, 0, "bbbb");
  p.run();
  BOOST_TEST(!p.m(side::a).write_acks.count(id));  // not received yet
  BOOST_REQUIRE(p.deliver(side::a));
  p.run();
  BOOST_TEST(p.m(side::b).pending_io.size() == 1u);  // not on the peer's disk yet
  BOOST_TEST(acked_ok(p.m(side::a), id));
}

BOOST_AUTO_TEST_CASE(protocol_a_acknowledges_after_the_local_write) {
  replica_pair p(with_protocol(replication_protocol::a));
  p.make_in_sync();
  p.auto_deliver(side::a, false);
  uint64_t id = p.write(side::a, 0, "aaaa");
  p.run();
  BOOST_TEST(p.in_flight(side::a) == 1u);  // still on the wire
  BOOST_TEST(acked_ok(p.m(side::a), id));
  p.auto_deliver(side::a, true);
  p.run();
  BOOST_TEST(p.stores_equal());
}

BOOST_AUTO_TEST_CASE(overlapping_writes_are_applied_in_order_on_both_members) {
  replica_pair p;
  p.make_in_sync();
  p.m(side::a).auto_io = false;
  p.m(side::b).auto_io = false;
  uint64_t first = p.write(side::a, 100, std::string(1000, '1'));
  uint64_t second = p.write(side::a, 600, std::string(1000, '2'));      // overlaps the first
  uint64_t apart = p.write(side::a, 5 * region, std::string(10, '3'));  // overlaps nothing
  p.run();
  // The overlapping write waits for the first on each member; the other one does not.
  BOOST_TEST(p.m(side::a).pending_io.size() == 2u);
  BOOST_TEST(p.m(side::b).pending_io.size() == 2u);
  while (p.complete_io(side::a) || p.complete_io(side::b)) p.run();
  p.run();
  BOOST_TEST(p.stores_equal());
  BOOST_TEST(p.m(side::b).cache.substr(600, 1000) == std::string(1000, '2'));
  BOOST_TEST(p.m(side::b).cache.substr(100, 500) == std::string(500, '1'));
  for (uint64_t id : {first, second, apart}) BOOST_TEST(acked_ok(p.m(side::a), id));
}

BOOST_AUTO_TEST_CASE(a_write_out_of_sequence_drops_the_connection) {
  replica_pair p;
  p.make_in_sync();
  p.apply(side::b, p.core(side::b).peer_frame(write_frame{7, 0, 0, "x"}));
  BOOST_TEST(p.core(side::b).state().connection == connection_state::connecting);
  BOOST_TEST(p.m(side::b).cache[0] == '\0');
}

BOOST_AUTO_TEST_CASE(a_flush_is_acknowledged_once_both_members_flushed) {
  replica_pair p;
  p.make_in_sync();
  p.m(side::b).auto_io = false;
  p.write(side::a, 0, "durable?");
  p.run();
  BOOST_REQUIRE(p.complete_io(side::b));  // the write, not yet flushed there
  p.run();
  uint64_t fl = p.flush(side::a);
  p.run();
  BOOST_TEST(p.m(side::a).durable.substr(0, 8) == "durable?");
  BOOST_TEST(p.m(side::b).durable.substr(0, 8) != "durable?");
  BOOST_TEST(!p.m(side::a).flush_acks.count(fl));  // the peer's flush is pending
  while (p.complete_io(side::b)) p.run();
  BOOST_TEST(p.m(side::a).flush_acks.at(fl) == replica_errc::none);
  BOOST_TEST(p.m(side::b).durable.substr(0, 8) == "durable?");
}

BOOST_AUTO_TEST_CASE(a_fua_write_is_durable_on_both_members_when_acknowledged) {
  replica_pair p;
  p.make_in_sync();
  uint64_t id = p.write(side::a, 2 * region, "forced", true);
  p.run();
  BOOST_TEST(acked_ok(p.m(side::a), id));
  BOOST_TEST(p.m(side::a).durable.substr(2 * region, 6) == "forced");
  BOOST_TEST(p.m(side::b).durable.substr(2 * region, 6) == "forced");
}

BOOST_AUTO_TEST_CASE(writes_continue_degraded_and_start_a_new_generation) {
  replica_pair p;
  p.make_in_sync();
  generation_ids before = p.core(side::a).ids();
  p.cut();
  BOOST_TEST(p.core(side::a).state().connection == connection_state::connecting);
  BOOST_TEST(p.core(side::a).ids().current == before.current);  // nothing changed yet
  uint64_t id = p.write(side::a, region, "alone");
  p.run();
  BOOST_TEST(acked_ok(p.m(side::a), id));
  BOOST_TEST(p.core(side::a).ids().current != before.current);
  BOOST_TEST(p.core(side::a).ids().bitmap == before.current);
  BOOST_TEST(p.core(side::a).bitmap().test(1));
  // Both were persisted before the write was issued.
  BOOST_TEST((p.m(side::a).stored_metadata.ids == p.core(side::a).ids()));
  BOOST_TEST(decode_dirty_bitmap(p.m(side::a).stored_bitmap, p.options().volume_size, region)
                 .bitmap->test(1));
}

BOOST_AUTO_TEST_CASE(writes_the_peer_never_confirmed_are_acked_and_kept_dirty_when_it_goes) {
  replica_pair p;
  p.make_in_sync();
  p.m(side::b).auto_io = false;
  uint64_t id = p.write(side::a, 7 * region, "in flight");
  p.run();
  BOOST_TEST(!p.m(side::a).write_acks.count(id));
  p.cut();
  // No acknowledged write is lost on the survivor: the client hears "done" from its copy.
  BOOST_TEST(acked_ok(p.m(side::a), id));
  BOOST_TEST(p.m(side::a).cache.substr(7 * region, 9) == "in flight");
  BOOST_TEST(p.core(side::a).bitmap().test(7));
}

BOOST_AUTO_TEST_CASE(acked_but_unflushed_writes_are_dirty_when_the_peer_goes) {
  replica_pair p;
  p.make_in_sync();
  p.auto_deliver(side::b, false);  // the peer's acks for the barrier flush never arrive
  p.write(side::a, 9 * region, "not flushed there");
  p.run();
  // Deliver the write's ack but not the barrier's.
  BOOST_REQUIRE(p.deliver(side::b));
  p.run();
  p.cut();
  BOOST_TEST(p.core(side::a).bitmap().test(9));
}

BOOST_AUTO_TEST_CASE(promotion_is_refused_while_the_peer_is_primary_and_allowed_with_force) {
  replica_pair p;
  p.make_in_sync();
  command_result r = p.core(side::b).promote(false, 200);
  BOOST_TEST(r.error == replica_errc::peer_is_primary);
  BOOST_TEST(p.core(side::b).state().role == replica_role::secondary);
  p.command(side::b, p.core(side::b).promote(true, 200));
  BOOST_TEST(p.core(side::b).state().role == replica_role::primary);
  // It parted first: two primaries never replicate to each other.
  BOOST_TEST(!p.link_up());
  p.run();
  BOOST_TEST(p.core(side::a).state().connection != connection_state::connected);
}

BOOST_AUTO_TEST_CASE(promotion_after_the_peer_demoted_needs_no_force) {
  replica_pair p;
  p.make_in_sync();
  p.command(side::a, p.core(side::a).demote());
  p.run();
  p.command(side::b, p.core(side::b).promote(false, 200));
  p.run();
  BOOST_TEST(p.core(side::b).state().role == replica_role::primary);
  BOOST_TEST(p.core(side::b).state().connection == connection_state::connected);
  uint64_t id = p.write(side::b, 0, "from beta");
  p.run();
  BOOST_TEST(acked_ok(p.m(side::b), id));
  BOOST_TEST(p.stores_equal());
}

BOOST_AUTO_TEST_CASE(verify_finds_a_byte_corrupted_in_one_store_and_changes_nothing) {
  replica_pair p;
  p.make_in_sync();
  p.write(side::a, 0, std::string(3 * region, 'v'));
  p.run();
  p.m(side::b).cache[5 * region + 17] ^= 0x20;
  std::string corrupted = p.m(side::b).cache;
  p.command(side::a, p.core(side::a).start_verify());
  p.run();
  BOOST_REQUIRE(p.m(side::a).verified);
  BOOST_TEST(p.m(side::a).verified->regions_checked == p.core(side::a).bitmap().regions());
  BOOST_TEST(p.m(side::a).verified->mismatches == 1u);
  BOOST_TEST(p.m(side::a).mismatches == std::vector<uint64_t>{5}, boost::test_tools::per_element());
  BOOST_TEST(p.m(side::b).cache == corrupted);
  BOOST_TEST(!p.core(side::a).verify_running());
}

BOOST_AUTO_TEST_CASE(verify_retries_regions_that_writes_change_meanwhile) {
  replica_pair p;
  p.make_in_sync();
  p.m(side::a).auto_io = false;
  p.command(side::a, p.core(side::a).start_verify());
  p.write(side::a, 0, "moving target");
  p.run();
  while (p.complete_io(side::a)) p.run();
  p.run();
  BOOST_REQUIRE(p.m(side::a).verified);
  BOOST_TEST(p.m(side::a).verified->mismatches == 0u);
  BOOST_TEST(p.m(side::a).mismatches.empty());
}

BOOST_AUTO_TEST_CASE(verify_needs_a_connected_peer) {
  replica_pair p;
  p.make_in_sync();
  p.cut();
  BOOST_TEST(p.core(side::a).start_verify().error == replica_errc::not_connected);
}

BOOST_AUTO_TEST_CASE(a_peer_for_another_volume_is_refused) {
  replica_pair p;
  p.command(side::a, p.core(side::a).initialise_as_first_source());
  replica_settings s = p.m(side::b).settings;
  s.volume_size *= 2;
  p.m(side::b).core = std::make_unique<replica_core>(
      s, replica_metadata{}, bitmap_load{dirty_bitmap(s.volume_size, s.region_size), {}});
  p.connect();
  p.run();
  BOOST_TEST(p.core(side::a).state().connection == connection_state::refused);
  BOOST_TEST(p.core(side::b).state().connection == connection_state::refused);
}

BOOST_AUTO_TEST_CASE(a_pair_of_new_members_waits_for_an_initial_sync_source) {
  replica_pair p;
  p.connect();
  p.run();
  BOOST_TEST(p.core(side::a).state().connection == connection_state::refused);
  BOOST_TEST(p.core(side::a).promote(false, 1).error == replica_errc::disk_inconsistent);
  p.command(side::a, p.core(side::a).promote(true, 1));  // DRBD's primary --force
  p.write(side::a, 0, "first data");
  p.connect();
  p.run();
  BOOST_TEST(p.core(side::b).state().connection == connection_state::connected);
  BOOST_TEST(p.stores_equal());
}

BOOST_AUTO_TEST_SUITE_END()
