// The NBD session's handshake (proto.md "Newstyle negotiation", "Fixed newstyle negotiation",
// "Option types"): the greeting's exact bytes, the client flags, every option this server
// answers and every way an option is refused; each table also runs in pieces of 1 and 3 bytes.
#include "actors/replica/nbd_server_session.hpp"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "tests/unit/replica/nbd_session_driver.hpp"

using namespace hamesh::replica;
using namespace nbd_test;
using phase = nbd_server_session::phase;

namespace {

struct handshake_case {
  std::string name;
  std::string input;
  std::string expected;
  phase end = phase::transmission;
  nbd_errc counted = nbd_errc::none;  // counted exactly once (none: nothing counted)
  nbd_errc reason = nbd_errc::none;   // close_reason() when end is closed
};

std::string zeroes(size_t n) {
  return std::string(n, '\0');
}

std::string export_name_reply(uint16_t flags, bool with_zeroes) {
  std::string s;
  nbd::put_u64(s, 1u << 20);
  nbd::put_u16(s, flags);
  if (with_zeroes) s += zeroes(124);
  return s;
}

void check(const handshake_case& c, const nbd_export_info& info, const driver_options& base = {}) {
  for (size_t piece : {size_t(0), size_t(1), size_t(3)}) {
    driver_options o = base;
    o.piece = piece;
    session_run run = drive(info, c.input, o);
    BOOST_TEST(run.out == c.expected, c.name << " (pieces of " << piece
                                             << ")\n  got:  " << escaped(run.out)
                                             << "\n  want: " << escaped(c.expected));
    BOOST_TEST(int(run.phase) == int(c.end), c.name << ": phase");
    if (c.end == phase::closed)
      BOOST_TEST(std::string(to_string(run.reason)) == to_string(c.reason), c.name << ": reason");
    for (size_t e = 1; e < nbd_errc_count; ++e) {
      uint64_t want = nbd_errc(e) == c.counted ? 1 : 0;
      BOOST_TEST(run.tally.errors[e] == want, c.name << ": count of " << to_string(nbd_errc(e)));
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(nbd_handshake_suite)

BOOST_AUTO_TEST_CASE(greeting_is_nbdmagic_ihaveopt_and_fixed_newstyle_no_zeroes) {
  std::string out;
  nbd_server_session s(test_export(), {}, out);
  // proto.md: 64 bits NBDMAGIC, 64 bits IHAVEOPT, 16 bits handshake flags (bits 0 and 1).
  BOOST_TEST(escaped(out) == escaped(std::string("NBDMAGICIHAVEOPT\x00\x03", 18)));
  BOOST_TEST(int(s.state()) == int(phase::client_flags));
}

BOOST_AUTO_TEST_CASE(options_that_succeed) {
  const uint32_t go = nbd::opt_go, info = nbd::opt_info;
  std::string named_info = option_reply(go, nbd::rep_info, std::string("\x00\x01", 2) + "disk");
  std::string description =
      option_reply(go, nbd::rep_info, std::string("\x00\x02", 2) + "test disk");
  std::string list_entry = std::string("\x00\x00\x00\x04", 4) + "disk" + "test disk";
  std::vector<handshake_case> cases = {
      {"go_with_the_export_name", go_request("disk"), go_replies()},
      {"go_with_the_default_name", go_request(""), go_replies()},
      {"go_from_a_client_without_fixed_newstyle", go_request("disk", 0), go_replies()},
      {"go_asking_name_description_and_block_size",
       client_flags(3) + option(go, go_data("disk", {1, 2, 3, 77})),
       option_reply(go, nbd::rep_info, info_export(1u << 20, writable_flags)) + named_info +
           description + option_reply(go, nbd::rep_info, info_block_size()) +
           option_reply(go, nbd::rep_ack)},
      {"info_keeps_haggling_then_go",
       client_flags(3) + option(info, go_data("disk")) + option(go, go_data("disk")),
       go_replies(writable_flags, info) + go_replies()},
      {"info_alone_stays_in_options", client_flags(3) + option(info, go_data("")),
       go_replies(writable_flags, info), phase::options},
      {"export_name_with_zeroes", client_flags(1) + option(nbd::opt_export_name, "disk"),
       export_name_reply(writable_flags, true)},
      {"export_name_without_zeroes_when_negotiated",
       client_flags(3) + option(nbd::opt_export_name, "disk"),
       export_name_reply(writable_flags, false)},
      {"export_name_default", client_flags(3) + option(nbd::opt_export_name, ""),
       export_name_reply(writable_flags, false)},
      {"list_names_the_export", client_flags(3) + option(nbd::opt_list, ""),
       option_reply(nbd::opt_list, nbd::rep_server, list_entry) +
           option_reply(nbd::opt_list, nbd::rep_ack),
       phase::options},
      {"abort_is_acknowledged_then_closed", client_flags(3) + option(nbd::opt_abort, ""),
       option_reply(nbd::opt_abort, nbd::rep_ack), phase::closed},
      {"abort_after_list", client_flags(3) + option(nbd::opt_list, "") + option(nbd::opt_abort, ""),
       option_reply(nbd::opt_list, nbd::rep_server, list_entry) +
           option_reply(nbd::opt_list, nbd::rep_ack) + option_reply(nbd::opt_abort, nbd::rep_ack),
       phase::closed},
  };
  for (const auto& c : cases) check(c, test_export());
}

BOOST_AUTO_TEST_CASE(options_that_are_refused) {
  const uint32_t go = nbd::opt_go;
  std::string unsup =
      option_reply(nbd::opt_structured_reply, nbd::rep_err_unsup, "option not supported");
  std::string bad_count = go_data("disk");
  bad_count[9] = 1;  // announces one information request, carries none
  std::vector<handshake_case> cases = {
      {"structured_replies_unsupported_then_go",
       client_flags(3) + option(nbd::opt_structured_reply, "") + option(go, go_data("disk")),
       unsup + go_replies(), phase::transmission, nbd_errc::unsupported_option},
      {"starttls_unsupported", client_flags(3) + option(nbd::opt_starttls, ""),
       option_reply(nbd::opt_starttls, nbd::rep_err_unsup, "option not supported"), phase::options,
       nbd_errc::unsupported_option},
      {"unknown_option_data_skipped_then_go",
       client_flags(3) + option(99, "whatever it is") + option(go, go_data("disk")),
       option_reply(99, nbd::rep_err_unsup, "option not supported") + go_replies(),
       phase::transmission, nbd_errc::unsupported_option},
      {"go_unknown_export_then_the_right_one",
       client_flags(3) + option(go, go_data("nope")) + option(go, go_data("disk")),
       option_reply(go, nbd::rep_err_unknown, "no such export") + go_replies(), phase::transmission,
       nbd_errc::unknown_export},
      {"go_data_shorter_than_its_fields", client_flags(3) + option(go, "\x00\x00"),
       option_reply(go, nbd::rep_err_invalid, "option data shorter than its fields"),
       phase::options, nbd_errc::invalid_option},
      {"go_name_longer_than_the_option",
       client_flags(3) + option(go, std::string("\x00\x00\x01\x00", 4) + "ab\x00\x00"),
       option_reply(go, nbd::rep_err_invalid, "export name longer than the option"), phase::options,
       nbd_errc::invalid_option},
      {"go_request_count_mismatch", client_flags(3) + option(go, bad_count),
       option_reply(go, nbd::rep_err_invalid,
                    "information request count does not match the option length"),
       phase::options, nbd_errc::invalid_option},
      {"list_with_data", client_flags(3) + option(nbd::opt_list, "x"),
       option_reply(nbd::opt_list, nbd::rep_err_invalid, "NBD_OPT_LIST takes no data"),
       phase::options, nbd_errc::invalid_option},
      {"export_name_unknown_closes", client_flags(3) + option(nbd::opt_export_name, "nope"), "",
       phase::closed, nbd_errc::unknown_export, nbd_errc::unknown_export},
      {"unknown_client_flag_closes", client_flags(4) + go_request(), "", phase::closed,
       nbd_errc::bad_client_flags, nbd_errc::bad_client_flags},
      {"bad_option_magic_closes", client_flags(3) + option(go, go_data("disk"), 0x1234), "",
       phase::closed, nbd_errc::bad_option_magic, nbd_errc::bad_option_magic},
  };
  for (const auto& c : cases) check(c, test_export());
}

BOOST_AUTO_TEST_CASE(option_limits) {
  driver_options small;
  small.limits.max_option_data = 16;
  small.limits.max_options = 3;
  const uint32_t go = nbd::opt_go;
  std::vector<handshake_case> cases = {
      {"oversized_option_skipped_with_too_big_then_go",
       client_flags(3) + option(go, go_data("a-name-far-too-long")) + option(go, go_data("disk")),
       option_reply(go, nbd::rep_err_too_big, "option data too large") + go_replies(),
       phase::transmission, nbd_errc::option_too_large},
      {"oversized_export_name_closes",
       client_flags(3) + option(nbd::opt_export_name, std::string(17, 'x')), "", phase::closed,
       nbd_errc::option_too_large, nbd_errc::option_too_large},
      {"fourth_option_closes",
       client_flags(3) + option(nbd::opt_list, "") + option(nbd::opt_list, "x") +
           option(nbd::opt_list, "x") + option(go, go_data("disk")),
       option_reply(nbd::opt_list, nbd::rep_server,
                    std::string("\x00\x00\x00\x04", 4) + "disk" + "test disk") +
           option_reply(nbd::opt_list, nbd::rep_ack) +
           option_reply(nbd::opt_list, nbd::rep_err_invalid, "NBD_OPT_LIST takes no data") +
           option_reply(nbd::opt_list, nbd::rep_err_invalid, "NBD_OPT_LIST takes no data"),
       phase::closed, nbd_errc::none, nbd_errc::too_many_options},
  };
  for (const auto& c : cases) {
    if (c.name == "fourth_option_closes") {
      // Two refusals and the close: counted apart from the table's single-count rule.
      for (size_t piece : {size_t(0), size_t(1)}) {
        driver_options o = small;
        o.piece = piece;
        session_run run = drive(test_export(), c.input, o);
        BOOST_TEST(run.out == c.expected, c.name);
        BOOST_TEST(int(run.phase) == int(phase::closed));
        BOOST_TEST(run.reason == nbd_errc::too_many_options);
        BOOST_TEST(run.tally.errors_of(nbd_errc::invalid_option) == 2u);
        BOOST_TEST(run.tally.errors_of(nbd_errc::too_many_options) == 1u);
      }
      continue;
    }
    check(c, test_export(), small);
  }
}

BOOST_AUTO_TEST_CASE(read_only_export_advertises_read_only_without_trim_or_zeroes) {
  check({"go_read_only", go_request(), go_replies(read_only_flags)}, test_export(true));
  std::string out;
  nbd_server_session s(test_export(), {}, out);
  s.set_read_only(true);  // a secondary: the owner flipped it before the client came
  std::string_view in;
  std::string input = go_request();
  in = input;
  out.clear();
  while (!in.empty()) s.on_client_data(in, out);
  BOOST_TEST(out == go_replies(read_only_flags));
  BOOST_TEST(s.transmission_flags() == read_only_flags);
}

BOOST_AUTO_TEST_CASE(shutting_down_refuses_options_but_acknowledges_abort) {
  for (size_t piece : {size_t(0), size_t(1)}) {
    std::string out;
    nbd_server_session s(test_export(), {}, out);
    s.begin_shutdown();
    out.clear();
    memory_store store(1u << 20);
    driver_options o;
    o.piece = piece;
    std::string input = go_request() + option(nbd::opt_abort, "");
    session_run run = drive(s, out, input, o, store);
    BOOST_TEST(escaped(run.out) ==
               escaped(option_reply(nbd::opt_go, nbd::rep_err_shutdown, "shutting down") +
                       option_reply(nbd::opt_abort, nbd::rep_ack)));
    BOOST_TEST(int(run.phase) == int(phase::closed));
    BOOST_TEST(run.tally.errors_of(nbd_errc::shutting_down) == 1u);

    std::string out2;
    nbd_server_session s2(test_export(), {}, out2);
    s2.begin_shutdown();
    out2.clear();
    std::string input2 = client_flags(3) + option(nbd::opt_export_name, "disk");
    session_run run2 = drive(s2, out2, input2, o, store);
    BOOST_TEST(run2.out.empty());
    BOOST_TEST(run2.reason == nbd_errc::shutting_down);
  }
}

BOOST_AUTO_TEST_CASE(client_closing_mid_option_is_counted_as_truncated) {
  driver_options o;
  o.close_at_end = true;
  std::string input = go_request();
  session_run run = drive(test_export(), input.substr(0, input.size() - 3), o);
  BOOST_TEST(int(run.phase) == int(phase::closed));
  BOOST_TEST(run.reason == nbd_errc::truncated_message);
  BOOST_TEST(run.tally.errors_of(nbd_errc::truncated_message) == 1u);
  // Between messages it is a plain disconnect.
  session_run clean = drive(test_export(), client_flags(3), o);
  BOOST_TEST(clean.reason == nbd_errc::none);
  BOOST_TEST(clean.tally.errors_of(nbd_errc::truncated_message) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
