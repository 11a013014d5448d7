// The NBD session's transmission phase (proto.md "Transmission", "Request types", "Error
// values"): each command, its flags, every refusal with the error the spec names, device
// failures, read-only flips, shutdown, throttling at max_inflight and out-of-order replies;
// each table also runs in pieces of 1 and 7 bytes.
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "actors/replica/nbd_server_session.hpp"
#include "tests/unit/replica/nbd_session_driver.hpp"

using namespace hamesh::replica;
using namespace nbd_test;
using phase = nbd_server_session::phase;

namespace {

constexpr uint16_t rd = 0, wr = 1, disc = 2, flush = 3, trim = 4, cache = 5, zeroes = 6,
                   block_status_cmd = 7;
constexpr uint16_t fua = nbd::cmd_flag_fua, no_hole = nbd::cmd_flag_no_hole;
constexpr uint64_t end_of_export = 1u << 20;

struct transmission_case {
  std::string name;
  std::string requests;  // after a successful NBD_OPT_GO
  std::string expected;  // after GO's replies
  size_t submitted = 0;  // requests that reached the device
  nbd_errc counted = nbd_errc::none;
  uint64_t count = 0;  // how often `counted` was counted
  phase end = phase::transmission;
};

session_run run_case(const transmission_case& c, driver_options o, bool read_only_export,
                     size_t piece) {
  o.piece = piece;
  return drive(test_export(read_only_export), go_request() + c.requests, o);
}

void check(const std::vector<transmission_case>& cases, const driver_options& o = {},
           bool read_only_export = false) {
  std::string prefix = go_replies(read_only_export ? read_only_flags : writable_flags, nbd::opt_go,
                                  o.limits.max_payload);
  for (const auto& c : cases) {
    for (size_t piece : {size_t(0), size_t(1), size_t(7)}) {
      session_run run = run_case(c, o, read_only_export, piece);
      std::string want = prefix + c.expected;
      BOOST_TEST(escaped(run.out) == escaped(want), c.name << " (pieces of " << piece << ")");
      BOOST_TEST(run.requests.size() == c.submitted, c.name << ": submitted");
      BOOST_TEST(int(run.phase) == int(c.end), c.name << ": phase");
      for (size_t e = 1; e < nbd_errc_count; ++e) {
        uint64_t want_count = nbd_errc(e) == c.counted ? c.count : 0;
        BOOST_TEST(run.tally.errors[e] == want_count,
                   c.name << ": count of " << to_string(nbd_errc(e)));
      }
    }
  }
}

std::string pattern(size_t n, char seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = char(seed + i * 7);
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(nbd_transmission_suite)

BOOST_AUTO_TEST_CASE(commands_that_succeed) {
  std::string data = pattern(4096, 'a');
  check({
      {"write_then_read_back", request(0, wr, 1, 4096, 4096, data) + request(0, rd, 2, 4096, 4096),
       reply(0, 1) + reply(0, 2, data), 2},
      {"write_with_fua", request(fua, wr, 3, 0, 3, "xyz"), reply(0, 3), 1},
      {"read_at_the_last_byte", request(0, rd, 4, end_of_export - 1, 1),
       reply(0, 4, std::string(1, '\0')), 1},
      {"flush_ignores_its_reserved_fields", request(0, flush, 5, 12345, 99), reply(0, 5), 1},
      {"fua_on_a_read_is_accepted", request(fua, rd, 6, 0, 2), reply(0, 6, std::string(2, '\0')),
       1},
      {"trim",
       request(0, wr, 7, 0, 4, "abcd") + request(0, trim, 8, 0, 4) + request(0, rd, 9, 0, 4),
       reply(0, 7) + reply(0, 8) + reply(0, 9, std::string(4, '\0')), 3},
      {"write_zeroes_no_hole",
       request(0, wr, 10, 8, 4, "abcd") + request(no_hole | fua, zeroes, 11, 8, 4) +
           request(0, rd, 12, 8, 4),
       reply(0, 10) + reply(0, 11) + reply(0, 12, std::string(4, '\0')), 3},
      {"zero_lengths_are_answered_without_the_device",
       request(0, rd, 13, 0, 0) + request(0, wr, 14, end_of_export, 0) + request(0, trim, 15, 0, 0),
       reply(0, 13) + reply(0, 14) + reply(0, 15), 0},
      {"handles_are_echoed_verbatim", request(0, rd, 0xfedcba9876543210, 0, 1),
       reply(0, 0xfedcba9876543210, std::string(1, '\0')), 1},
      {"disconnect_closes_without_a_reply", request(0, disc, 16, 0, 0), "", 0, nbd_errc::none, 0,
       phase::closed},
  });
}

BOOST_AUTO_TEST_CASE(requests_carry_their_flags_to_the_device) {
  session_run run =
      drive(test_export(), go_request() + request(fua, wr, 1, 10, 2, "hi") +
                               request(no_hole, zeroes, 2, 0, 8) + request(0, zeroes, 3, 0, 8) +
                               request(fua, trim, 4, 0, 8));
  BOOST_REQUIRE(run.requests.size() == 4u);
  BOOST_TEST(int(run.requests[0].op) == int(block_op::write));
  BOOST_TEST(run.requests[0].fua);
  BOOST_TEST(run.requests[0].offset == 10u);
  BOOST_TEST(run.requests[0].data == "hi");
  BOOST_TEST(!run.requests[1].may_punch_hole);
  BOOST_TEST(!run.requests[1].fua);
  BOOST_TEST(run.requests[2].may_punch_hole);
  BOOST_TEST(int(run.requests[3].op) == int(block_op::trim));
  BOOST_TEST(run.requests[3].fua);
  BOOST_TEST(run.tally.requests[size_t(nbd_command_kind::write_zeroes)] == 2u);
}

BOOST_AUTO_TEST_CASE(malformed_requests_get_the_errors_the_spec_names) {
  std::string four = "abcd";
  driver_options small;
  small.limits.max_payload = 64;
  check({
      {"unknown_command", request(0, 9, 1, 0, 1), reply(nbd::err_inval, 1), 0,
       nbd_errc::unknown_command, 1},
      {"cache_and_block_status_are_not_offered",
       request(0, cache, 2, 0, 8) + request(0, block_status_cmd, 3, 0, 8),
       reply(nbd::err_inval, 2) + reply(nbd::err_inval, 3), 0, nbd_errc::unknown_command, 2},
      {"no_hole_on_a_read", request(no_hole, rd, 4, 0, 1), reply(nbd::err_inval, 4), 0,
       nbd_errc::bad_command_flags, 1},
      {"df_on_a_read_without_structured_replies", request(1u << 2, rd, 5, 0, 1),
       reply(nbd::err_inval, 5), 0, nbd_errc::bad_command_flags, 1},
      {"unknown_flag_on_a_write_skips_its_payload",
       request(1u << 9, wr, 6, 0, 4, four) + request(0, rd, 7, 0, 4),
       reply(nbd::err_inval, 6) + reply(0, 7, std::string(4, '\0')), 1, nbd_errc::bad_command_flags,
       1},
      {"read_past_the_end", request(0, rd, 8, end_of_export - 2, 4), reply(nbd::err_inval, 8), 0,
       nbd_errc::out_of_range, 1},
      {"read_with_offset_overflow", request(0, rd, 9, ~uint64_t(0) - 1, 4),
       reply(nbd::err_inval, 9), 0, nbd_errc::out_of_range, 1},
      {"write_past_the_end_is_enospc", request(0, wr, 10, end_of_export - 2, 4, four),
       reply(nbd::err_nospc, 10), 0, nbd_errc::out_of_range, 1},
      {"write_zeroes_past_the_end_is_enospc", request(0, zeroes, 11, end_of_export, 1),
       reply(nbd::err_nospc, 11), 0, nbd_errc::out_of_range, 1},
      {"trim_past_the_end_is_einval", request(0, trim, 12, end_of_export, 1),
       reply(nbd::err_inval, 12), 0, nbd_errc::out_of_range, 1},
      {"connection_usable_after_errors",
       request(0, rd, 13, end_of_export, 1) + request(0, rd, 14, 0, 1),
       reply(nbd::err_inval, 13) + reply(0, 14, std::string(1, '\0')), 1, nbd_errc::out_of_range,
       1},
      {"bad_request_magic_closes", request(0, rd, 15, 0, 1, "", 0x25609514), "", 0,
       nbd_errc::bad_request_magic, 1, phase::closed},
  });
  check({{"read_over_the_maximum_payload", request(0, rd, 1, 0, 65), reply(nbd::err_overflow, 1), 0,
          nbd_errc::payload_too_large, 1},
         {"write_over_the_maximum_payload_is_skipped",
          request(0, wr, 2, 0, 65, std::string(65, 'x')) + request(0, rd, 3, 0, 64),
          reply(nbd::err_overflow, 2) + reply(0, 3, std::string(64, '\0')), 1,
          nbd_errc::payload_too_large, 1},
         {"trim_is_not_bound_by_the_payload_limit", request(0, trim, 4, 0, 4096), reply(0, 4), 1}},
        small);
}

BOOST_AUTO_TEST_CASE(read_only_export_refuses_writes_with_eperm) {
  check({{"write_trim_and_zeroes_refused",
          request(0, wr, 1, 0, 4, "abcd") + request(0, trim, 2, 0, 4) +
              request(0, zeroes, 3, 0, 4) + request(0, rd, 4, 0, 4) + request(0, flush, 5, 0, 0),
          reply(nbd::err_perm, 1) + reply(nbd::err_perm, 2) + reply(nbd::err_perm, 3) +
              reply(0, 4, std::string(4, '\0')) + reply(0, 5),
          2, nbd_errc::read_only, 3}},
        {}, true);
}

BOOST_AUTO_TEST_CASE(read_only_flips_after_the_handshake) {
  std::string out;
  nbd_server_session s(test_export(), {}, out);
  memory_store store(1u << 20);
  driver_options o;
  drive(s, out, go_request(), o, store);
  out.clear();
  s.set_read_only(true);  // demoted: writes refused from now on
  drive(s, out, request(0, wr, 1, 0, 2, "ab"), o, store);
  s.set_read_only(false);  // promoted again: this client was told "writable"
  drive(s, out, request(0, wr, 2, 0, 2, "ab"), o, store);
  BOOST_TEST(escaped(out) == escaped(reply(nbd::err_perm, 1) + reply(0, 2)));

  // A client told "read-only" at its handshake stays refused (proto.md: MUST error writes).
  std::string out2;
  nbd_server_session s2(test_export(), {}, out2);
  s2.set_read_only(true);
  drive(s2, out2, go_request(), o, store);
  out2.clear();
  s2.set_read_only(false);
  drive(s2, out2, request(0, wr, 3, 0, 2, "ab"), o, store);
  BOOST_TEST(escaped(out2) == escaped(reply(nbd::err_perm, 3)));
}

BOOST_AUTO_TEST_CASE(device_failures_become_nbd_errors) {
  driver_options o;
  o.status = [](const block_request& r) {
    switch (r.offset) {
      case 0:
        return block_status::io_error;
      case 1:
        return block_status::no_space;
      case 2:
        return block_status::read_only;
      case 3:
        return block_status::invalid;
      case 4:
        return block_status::shutting_down;
    }
    return block_status::ok;
  };
  check({{"each_status",
          request(0, rd, 1, 0, 8) + request(0, wr, 2, 1, 1, "x") + request(0, wr, 3, 2, 1, "x") +
              request(0, trim, 4, 3, 1) + request(0, rd, 5, 4, 1) + request(0, rd, 6, 5, 1),
          // A failed read carries no data (proto.md "Simple reply message").
          reply(nbd::err_io, 1) + reply(nbd::err_nospc, 2) + reply(nbd::err_perm, 3) +
              reply(nbd::err_inval, 4) + reply(nbd::err_shutdown, 5) +
              reply(0, 6, std::string(1, '\0')),
          6, nbd_errc::device_failed, 5}},
        o);
}

BOOST_AUTO_TEST_CASE(a_short_read_from_the_device_is_an_io_error) {
  std::string out;
  nbd_server_session s(test_export(), {}, out);
  std::string input = go_request() + request(0, rd, 9, 0, 8);
  std::string_view in = input;
  std::optional<block_request> r;
  while (!r && !in.empty()) r = s.on_client_data(in, out);
  BOOST_REQUIRE(r.has_value());
  out.clear();
  s.on_completion(r->id, block_status::ok, "short", out);
  BOOST_TEST(escaped(out) == escaped(reply(nbd::err_io, 9)));
  BOOST_TEST(s.tally().errors_of(nbd_errc::device_failed) == 1u);
}

BOOST_AUTO_TEST_CASE(inflight_requests_throttle_reading_and_replies_come_in_completion_order) {
  driver_options o;
  o.complete = false;
  o.limits.max_inflight = 2;
  std::string out;
  nbd_server_session s(test_export(), o.limits, out);
  memory_store store(1u << 20);
  std::string input =
      go_request() + request(0, rd, 1, 0, 1) + request(0, rd, 2, 1, 1) + request(0, rd, 3, 2, 1);
  session_run run = drive(s, out, input, o, store);
  BOOST_REQUIRE(run.requests.size() == 2u);
  BOOST_TEST(s.blocked());
  BOOST_TEST(run.unconsumed == nbd::request_header_size);  // the third waits in the socket
  out.clear();
  s.on_completion(run.requests[1].id, block_status::ok, "b", out);
  s.on_completion(run.requests[1].id, block_status::ok, "b", out);  // a duplicate: ignored
  s.on_completion(run.requests[0].id, block_status::ok, "a", out);
  BOOST_TEST(escaped(out) == escaped(reply(0, 2, "b") + reply(0, 1, "a")));
  BOOST_TEST(!s.blocked());
  std::string rest = request(0, rd, 3, 2, 1);
  std::string_view in = rest;
  auto third = s.on_client_data(in, out);
  BOOST_TEST(third.has_value());
}

BOOST_AUTO_TEST_CASE(disconnect_answers_what_is_in_flight_first) {
  for (size_t piece : {size_t(0), size_t(1)}) {
    driver_options o;
    o.complete = false;
    o.piece = piece;
    std::string out;
    nbd_server_session s(test_export(), o.limits, out);
    memory_store store(1u << 20);
    std::string input =
        go_request() + request(0, rd, 1, 0, 1) + request(0, disc, 2, 0, 0) + "trailing bytes";
    session_run run = drive(s, out, input, o, store);
    BOOST_REQUIRE(run.requests.size() == 1u);
    BOOST_TEST(int(run.phase) == int(phase::disconnecting));
    BOOST_TEST(run.tally.errors_of(nbd_errc::data_after_disconnect) == 1u);
    out.clear();
    s.on_completion(run.requests[0].id, block_status::ok, "a", out);
    BOOST_TEST(escaped(out) == escaped(reply(0, 1, "a")));
    BOOST_TEST(s.closed());
    BOOST_TEST(s.close_reason() == nbd_errc::none);
  }
}

BOOST_AUTO_TEST_CASE(shutting_down_answers_eshutdown_and_skips_payloads) {
  std::string out;
  nbd_server_session s(test_export(), {}, out);
  memory_store store(1u << 20);
  driver_options o;
  drive(s, out, go_request(), o, store);
  out.clear();
  s.begin_shutdown();
  session_run run = drive(
      s, out, request(0, wr, 1, 0, 4, "abcd") + request(0, rd, 2, 0, 4) + request(0, disc, 3, 0, 0),
      o, store);
  BOOST_TEST(escaped(run.out) ==
             escaped(reply(nbd::err_shutdown, 1) + reply(nbd::err_shutdown, 2)));
  BOOST_TEST(run.requests.empty());
  BOOST_TEST(run.tally.errors_of(nbd_errc::shutting_down) == 2u);
  BOOST_TEST(int(run.phase) == int(phase::closed));
}

BOOST_AUTO_TEST_CASE(client_closing_mid_payload_is_counted_and_late_completions_are_dropped) {
  driver_options o;
  o.complete = false;
  o.close_at_end = true;
  std::string out;
  nbd_server_session s(test_export(), {}, out);
  memory_store store(1u << 20);
  session_run run = drive(
      s, out, go_request() + request(0, rd, 1, 0, 1) + request(0, wr, 2, 0, 8, "half"), o, store);
  BOOST_TEST(run.reason == nbd_errc::truncated_message);
  BOOST_REQUIRE(run.requests.size() == 1u);
  out.clear();
  s.on_completion(run.requests[0].id, block_status::ok, "a", out);
  BOOST_TEST(out.empty());
  BOOST_TEST(s.inflight() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
