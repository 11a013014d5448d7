// The IMAP command reader: RFC 3501 §9's grammar for what a client sends before login, as
// tokens; literals of both kinds read wherever the stream is cut; and nothing read past the
// end of a command.
#include "actors/proxy/mail/imap_command_reader.hpp"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "tests/unit/mail/mail_test_driver.hpp"

using namespace hamesh::proxy::mail;
using namespace std::string_literals;
using status = imap_command_reader::status;

namespace {

// A command as one line: "tag NAME atom:x str:y ( )", or "bad <reason> <tag>: <text>".
std::string describe(const imap_command& c) {
  if (!c.valid())
    return "bad " + std::string(to_string(c.error.reason)) + " " + c.tag + ": " + c.error.text;
  std::string out = c.tag + " " + c.name;
  for (const auto& a : c.args) {
    switch (a.what) {
      case imap_command::arg::kind::atom:
        out += " atom:" + a.value;
        break;
      case imap_command::arg::kind::string:
        out += " str:" + a.value;
        break;
      case imap_command::arg::kind::list_begin:
        out += " (";
        break;
      case imap_command::arg::kind::list_end:
        out += " )";
        break;
    }
  }
  return out;
}

// Every event for `bytes` cut in pieces of `piece` (0: whole), one string each:
// "+" for a continuation, "refused", "fatal <reason>", or the command described.
std::vector<std::string> read_all(std::string_view bytes, size_t piece, mail_limits limits = {},
                                  size_t max_non_sync = 8192) {
  imap_command_reader r(limits, max_non_sync);
  std::vector<std::string> events;
  size_t at = 0;
  while (at < bytes.size()) {
    size_t n = piece == 0 ? bytes.size() : std::min(piece, bytes.size() - at);
    std::string_view in = bytes.substr(at, n);
    at += n;
    for (;;) {
      status s = r.next(in);
      if (s == status::need_more) {
        BOOST_TEST(in.empty());
        break;
      }
      if (s == status::continuation) events.push_back("+");
      if (s == status::literal_refused) events.push_back("refused " + r.pending_tag());
      if (s == status::command) events.push_back(describe(r.command()));
      if (s == status::fatal) {
        events.push_back("fatal "s + to_string(r.error().reason));
        return events;
      }
    }
  }
  return events;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(imap_command_reader_suite)

BOOST_AUTO_TEST_CASE(commands_become_tokens_by_rfc_3501_grammar) {
  struct row {
    std::string input;
    std::vector<std::string> events;
  };
  std::vector<row> rows = {
      {"a001 login SMITH sesame\r\n", {"a001 LOGIN atom:SMITH atom:sesame"}},
      {"A1 LOGIN \"fred foobar\" \"a\\\\b\\\"c\"\r\n", {"A1 LOGIN str:fred foobar str:a\\b\"c"}},
      {"A1 LOGIN \"\" x\r\n", {"A1 LOGIN str: atom:x"}},
      {"t LOGIN {11}\r\nFRED FOOBAR {7}\r\nfat man\r\n",
       {"+", "+", "t LOGIN str:FRED FOOBAR str:fat man"}},
      {"t LOGIN {11+}\r\nFRED FOOBAR {0+}\r\n\r\n", {"t LOGIN str:FRED FOOBAR str:"}},
      {"t LOGIN {007}\r\nfat man x\r\n", {"+", "t LOGIN str:fat man atom:x"}},
      {"i ID (\"name\" \"x\" \"os\" NIL)\r\n", {"i ID ( str:name str:x str:os atom:NIL )"}},
      {"i ID ((\"a\") ())\r\n", {"i ID ( ( str:a ) ( ) )"}},
      {"i ID ({1}\r\nx {2+}\r\nyz)\r\n", {"+", "i ID ( str:x str:yz )"}},
      {"u UID FETCH 1:* (FLAGS)\r\n", {"bad bad_syntax u: Missing space between arguments."}},
      {"x CAPABILITY\r\ny NOOP\r\n", {"x CAPABILITY", "y NOOP"}},
      {"x\tNOOP\r\n", {"bad missing_tag : Invalid tag."}},
      {"x NOOP)\r\n", {"bad bad_syntax x: Invalid characters in command name."}},
      {"x NOOP a)\r\n", {"bad bad_syntax x: Unexpected ')'."}},
      {"x NOOP (a\r\n", {"bad bad_syntax x: Missing ')'."}},
      {"x NOOP \"a\"b\r\n", {"bad bad_syntax x: Missing space between arguments."}},
      {"x NOOP \"a\0\"\r\n"s, {"bad bad_syntax x: Invalid quoted string."}},
      {"x NOOP \"\xc3\xa9\"\r\n", {"x NOOP str:\xc3\xa9"}},
      {"x NOOP \xc3\xa9\r\n", {"bad bad_syntax x: Invalid characters in arguments."}},
      {"x NOOP {2}\r\n\0a\r\n"s, {"+", "bad bad_syntax x: Invalid literal."}},
      {"x NOOP {2}x\r\n", {"bad bad_syntax x: Invalid literal."}},
      {"{2}\r\nab NOOP\r\n", {"+", "bad missing_tag : Missing tag."}},
  };
  for (const row& r : rows)
    for (size_t piece : {size_t(0), size_t(1), size_t(2), size_t(5)})
      BOOST_TEST(read_all(r.input, piece) == r.events, r.input << " in pieces of " << piece);
}

BOOST_AUTO_TEST_CASE(the_reader_stops_at_the_end_of_each_command) {
  imap_command_reader r({}, 8192);
  std::string_view in = "a NOOP\r\nb STARTTLS\r\nc LOGIN x y\r\n";
  BOOST_TEST((r.next(in) == status::command));
  BOOST_TEST(in == "b STARTTLS\r\nc LOGIN x y\r\n");
  BOOST_TEST((r.next(in) == status::command));
  BOOST_TEST(r.command().name == "STARTTLS");
  BOOST_TEST(in == "c LOGIN x y\r\n");
  BOOST_TEST(!r.partial());
}

BOOST_AUTO_TEST_CASE(line_mode_reads_one_raw_line) {
  imap_command_reader r({}, 8192);
  std::string_view in = "a AUTHENTICATE PLAIN\r\nAHUAcA==\r\nb NOOP {5}\r\n";
  BOOST_TEST((r.next(in) == status::command));
  r.expect_line();
  BOOST_TEST((r.next(in) == status::line));
  BOOST_TEST(r.line() == "AHUAcA==");
  // Back to commands: the literal after NOOP is a literal again.
  BOOST_TEST((r.next(in) == status::continuation));
}

BOOST_AUTO_TEST_CASE(a_refused_literal_ends_its_command) {
  imap_command_reader r({}, 8192);
  std::string_view in = "a1 login {5}\r\nb NOOP\r\n";
  BOOST_TEST((r.next(in) == status::continuation));
  BOOST_TEST(r.pending_tag() == "a1");
  BOOST_TEST(r.pending_name() == "LOGIN");
  r.refuse_literal();
  BOOST_TEST(!r.partial());
  BOOST_TEST((r.next(in) == status::command));
  BOOST_TEST(describe(r.command()) == "b NOOP");
}

BOOST_AUTO_TEST_CASE(limits_are_checked_before_the_bytes_arrive) {
  mail_limits limits;
  limits.max_line = 20;
  limits.max_literal = 10;
  limits.max_command_literals = 2;
  BOOST_TEST(read_all("a LOGIN {11}\r\nb NOOP\r\n", 0, limits) ==
             (std::vector<std::string>{"refused a", "b NOOP"}));
  BOOST_TEST(read_all("a LOGIN {11+}\r\n", 0, limits, 10) ==
             (std::vector<std::string>{"fatal literal_too_large"}));
  BOOST_TEST(read_all("a LOGIN {5+}\r\n", 0, limits, 4) ==
             (std::vector<std::string>{"fatal literal_too_large"}));
  BOOST_TEST(read_all("a ID ({1}\r\na {1}\r\nb {1}\r\n", 0, limits) ==
             (std::vector<std::string>{"+", "+", "refused a"}));
  BOOST_TEST(read_all(std::string(21, 'x'), 1, limits) ==
             (std::vector<std::string>{"fatal line_too_long"}));
  // A CR that may start the CRLF does not count against the line.
  BOOST_TEST(read_all(std::string(20, 'x') + "\r", 1, limits).empty());
  BOOST_TEST(
      read_all(std::string(20, 'x') + "\r\n", 1, limits) ==
      (std::vector<std::string>{"bad bad_syntax " + std::string(20, 'x') + ": Missing command."}));
  imap_command_reader r(limits, 10);
  std::string_view in = "a LOGIN {3}\r\nab";
  BOOST_TEST((r.next(in) == status::continuation));
  BOOST_TEST((r.next(in) == status::need_more));
  BOOST_TEST(r.partial());
  BOOST_TEST(r.pending_tag() == "a");
}

BOOST_AUTO_TEST_SUITE_END()
