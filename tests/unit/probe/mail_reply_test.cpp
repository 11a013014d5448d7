// The mail replies: SMTP multi-line replies (RFC 5321 §4.2), IMAP greetings and tagged
// completions (RFC 3501 §7), POP3 status lines (RFC 1939 §3), split anywhere, even between
// CR and LF.
#include "actors/probe/mail_reply.hpp"

#include <boost/test/unit_test.hpp>
#include <ostream>

using namespace hamesh::probe;

namespace hamesh::probe {
// For Boost.Test's messages.
std::ostream& operator<<(std::ostream& os, reply_state s) {
  return os << to_string(s);
}
}  // namespace hamesh::probe

namespace {

// Feeds `bytes` one byte at a time, or whole when `piece` is 0.
template <typename Reader>
reply_state feed(Reader& reader, const std::string& bytes, size_t piece = 0) {
  if (piece == 0) return reader.feed(bytes);
  for (size_t i = 0; i < bytes.size(); i += piece)
    reader.feed(std::string_view(bytes).substr(i, piece));
  return reader.state();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(line_reader_tests)

BOOST_AUTO_TEST_CASE(lines_end_at_crlf_or_lf_even_when_split_between_them) {
  line_reader r(100);
  std::string line;
  r.append("one\r");
  BOOST_TEST((r.next_line(line) == line_reader::result::need_more));
  r.append("\ntwo\nthr");
  BOOST_TEST((r.next_line(line) == line_reader::result::line));
  BOOST_TEST(line == "one");
  BOOST_TEST((r.next_line(line) == line_reader::result::line));
  BOOST_TEST(line == "two");
  BOOST_TEST((r.next_line(line) == line_reader::result::need_more));
  r.append("ee\r\n");
  BOOST_TEST((r.next_line(line) == line_reader::result::line));
  BOOST_TEST(line == "three");
}

BOOST_AUTO_TEST_CASE(a_line_over_the_limit_is_too_long_with_or_without_its_newline) {
  line_reader ok(4);
  std::string line;
  ok.append("abcd\r\n");
  BOOST_TEST((ok.next_line(line) == line_reader::result::line));
  line_reader waiting(4);
  waiting.append("abcd\r");  // the CR may still be followed by LF
  BOOST_TEST((waiting.next_line(line) == line_reader::result::need_more));
  line_reader long_line(4);
  long_line.append("abcde\n");
  BOOST_TEST((long_line.next_line(line) == line_reader::result::too_long));
  line_reader endless(4);
  endless.append("abcdef");
  BOOST_TEST((endless.next_line(line) == line_reader::result::too_long));
}

BOOST_AUTO_TEST_CASE(skipped_bytes_are_dropped_whether_buffered_or_still_to_come) {
  line_reader r;
  std::string line;
  r.append("ab\ncd");
  r.skip(6);  // "ab\ncd" and one byte to come
  r.append("Xrest\n");
  BOOST_TEST((r.next_line(line) == line_reader::result::line));
  BOOST_TEST(line == "rest");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(smtp_reply_tests)

struct smtp_case {
  const char* what;
  std::string bytes;
  reply_state state;
  int code;
  size_t lines;
  std::string error;
};

BOOST_AUTO_TEST_CASE(replies_single_and_multi_line_split_anywhere) {
  const smtp_case cases[] = {
      {"banner", "220 mail.example ESMTP Postfix\r\n", reply_state::complete, 220, 1, ""},
      {"code only", "250\r\n", reply_state::complete, 250, 1, ""},
      {"multi-line EHLO", "250-mail.example\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 8BITMIME\r\n",
       reply_state::complete, 250, 4, ""},
      {"multi-line banner", "220-first\r\n220-second\r\n220 third\n", reply_state::complete, 220, 3,
       ""},
      {"refused", "554 5.7.1 no service\r\n", reply_state::complete, 554, 1, ""},
      {"unfinished multi-line", "250-a\r\n250-b\r\n", reply_state::need_more, 250, 2, ""},
      {"code changes", "250-a\r\n251 b\r\n", reply_state::error, 250, 1,
       "reply code changed from 250 to 251 inside a multi-line reply"},
      {"not a code", "hello\r\n", reply_state::error, 0, 0, "not an SMTP reply: hello"},
      {"two digits", "25 x\r\n", reply_state::error, 0, 0, "not an SMTP reply: 25 x"},
      {"bad separator", "250_x\r\n", reply_state::error, 0, 0, "not an SMTP reply: 250_x"},
      {"too long", std::string(9000, 'x'), reply_state::error, 0, 0, "line longer than 8192 bytes"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      for (size_t piece : {size_t(0), size_t(1), size_t(5)}) {
        smtp_reply_reader r;
        BOOST_TEST((feed(r, c.bytes, piece) == c.state), "piece " << piece);
        BOOST_TEST(r.error() == c.error);
        if (c.state == reply_state::complete) {
          BOOST_TEST(r.reply().code == c.code);
          BOOST_TEST(r.reply().lines.size() == c.lines);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(the_next_reply_starts_from_bytes_already_received) {
  smtp_reply_reader r;
  BOOST_TEST((r.feed("220 hi\r\n250-a\r\n") == reply_state::complete));
  BOOST_TEST(r.reply().summary() == "220 hi");
  BOOST_TEST((r.next() == reply_state::need_more));
  BOOST_TEST((r.feed("250 b\r\n") == reply_state::complete));
  BOOST_TEST(r.reply().summary() == "250 a b");
}

BOOST_AUTO_TEST_CASE(an_endless_multi_line_reply_is_refused) {
  smtp_reply_reader r;
  std::string many;
  for (size_t i = 0; i <= smtp_reply_reader::max_lines; ++i) many += "250-x\r\n";
  BOOST_TEST((r.feed(many) == reply_state::error));
  BOOST_TEST(r.error() == "reply longer than 256 lines");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(imap_response_tests)

struct imap_case {
  const char* what;
  std::string tag;  // empty: the greeting
  std::string bytes;
  reply_state state;
  std::string summary;  // of the response when complete, else the error
};

BOOST_AUTO_TEST_CASE(greetings_and_tagged_completions_split_anywhere) {
  const imap_case cases[] = {
      {"greeting ok", "", "* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n", reply_state::complete,
       "* OK [CAPABILITY IMAP4rev1] Dovecot ready."},
      {"greeting preauth", "", "* PREAUTH welcome\r\n", reply_state::complete, "* PREAUTH welcome"},
      {"greeting bye", "", "* BYE too busy\r\n", reply_state::complete, "* BYE too busy"},
      {"lower-case condition", "", "* ok hi\r\n", reply_state::complete, "* OK hi"},
      {"greeting not ok", "", "* NO go away\r\n", reply_state::error,
       "not an IMAP greeting: * NO go away"},
      {"not imap", "", "+OK POP3 ready\r\n", reply_state::error,
       "not an IMAP greeting: +OK POP3 ready"},
      {"login ok after untagged data", "a1",
       "* CAPABILITY IMAP4rev1 IDLE\r\na1 OK [CAPABILITY IMAP4rev1] Logged in\r\n",
       reply_state::complete, "a1 OK [CAPABILITY IMAP4rev1] Logged in"},
      {"login refused", "a1", "a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
       reply_state::complete, "a1 NO [AUTHENTICATIONFAILED] Authentication failed."},
      {"bad command", "a1", "a1 BAD Error in IMAP command\r\n", reply_state::complete,
       "a1 BAD Error in IMAP command"},
      {"bye while waiting", "a2", "* BYE Logging out\r\na2 OK done\r\n", reply_state::complete,
       "* BYE Logging out"},
      {"literal skipped", "a1", "* 1 FETCH (BODY[] {14}\r\na1 OK fake\r\n)\r\na1 OK real\r\n",
       reply_state::complete, "a1 OK real"},
      {"two literals in one response", "a1",
       "* 1 FETCH (A {3}\r\nxyz B {2+}\r\nab)\r\na1 OK real\r\n", reply_state::complete,
       "a1 OK real"},
      {"unknown tag", "a1", "b7 OK what\r\n", reply_state::error,
       "response for unknown tag: b7 OK what"},
      {"continuation request", "a1", "+ go ahead\r\n", reply_state::error,
       "unexpected continuation request: + go ahead"},
      {"tagged nonsense", "a1", "a1 MAYBE\r\n", reply_state::error,
       "bad tagged response: a1 MAYBE"},
      {"no space", "a1", "garbage\r\n", reply_state::error, "not an IMAP response: garbage"},
      {"waiting", "a1", "* CAPABILITY IMAP4rev1\r\na1 O", reply_state::need_more, ""},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      for (size_t piece : {size_t(0), size_t(1), size_t(4)}) {
        imap_response_reader r;
        if (!c.tag.empty()) r.expect_tagged(c.tag);
        BOOST_TEST((feed(r, c.bytes, piece) == c.state), "piece " << piece);
        if (c.state == reply_state::complete) BOOST_TEST(r.response().summary() == c.summary);
        if (c.state == reply_state::error) BOOST_TEST(r.error() == c.summary);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(expecting_a_tag_keeps_what_came_after_the_greeting) {
  imap_response_reader r;
  BOOST_TEST((r.feed("* OK ready\r\na1 OK in\r\n") == reply_state::complete));
  BOOST_TEST((r.expect_tagged("a1") == reply_state::complete));
  BOOST_TEST(r.response().summary() == "a1 OK in");
}

BOOST_AUTO_TEST_CASE(an_error_stays_an_error) {
  imap_response_reader r;
  BOOST_TEST((r.feed("junk\r\n") == reply_state::error));
  BOOST_TEST((r.expect_tagged("a1") == reply_state::error));
  BOOST_TEST((r.feed("a1 OK\r\n") == reply_state::error));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(pop3_reply_tests)

BOOST_AUTO_TEST_CASE(status_lines_are_ok_or_err_with_their_text) {
  struct pop3_case {
    std::string bytes;
    reply_state state;
    bool ok;
    std::string text_or_error;
  };
  const pop3_case cases[] = {
      {"+OK Dovecot ready.\r\n", reply_state::complete, true, "Dovecot ready."},
      {"+OK\r\n", reply_state::complete, true, ""},
      {"-ERR [AUTH] Authentication failed.\r\n", reply_state::complete, false,
       "[AUTH] Authentication failed."},
      {"-ERR\n", reply_state::complete, false, ""},
      {"+OKAY\r\n", reply_state::error, false, "not a POP3 status line: +OKAY"},
      {"* OK imap\r\n", reply_state::error, false, "not a POP3 status line: * OK imap"},
      {"+OK waiting", reply_state::need_more, false, ""},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.bytes) {
      for (size_t piece : {size_t(0), size_t(1)}) {
        pop3_reply_reader r;
        BOOST_TEST((feed(r, c.bytes, piece) == c.state));
        if (c.state == reply_state::complete) {
          BOOST_TEST(r.reply().ok == c.ok);
          BOOST_TEST(r.reply().text == c.text_or_error);
        }
        if (c.state == reply_state::error) BOOST_TEST(r.error() == c.text_or_error);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(the_next_status_line_is_read_after_the_first) {
  pop3_reply_reader r;
  BOOST_TEST((r.feed("+OK hi\r\n-ERR no such user\r\n") == reply_state::complete));
  BOOST_TEST((r.next() == reply_state::complete));
  BOOST_TEST(r.reply().summary() == "-ERR no such user");
}

BOOST_AUTO_TEST_SUITE_END()
