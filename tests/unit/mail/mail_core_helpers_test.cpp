// The small pieces the state machines share: user names, SASL PLAIN messages, IMAP strings
// and response lines, the line reader, the failure delay policy and reply text.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "actors/proxy/mail/imap_response_line.hpp"
#include "actors/proxy/mail/imap_syntax.hpp"
#include "actors/proxy/mail/mail_limits.hpp"
#include "actors/proxy/mail/mail_line_reader.hpp"
#include "actors/proxy/mail/mail_text.hpp"
#include "actors/proxy/mail/mail_user.hpp"
#include "actors/proxy/mail/sasl_plain_message.hpp"

using namespace hamesh::proxy::mail;
using namespace std::string_literals;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(mail_core_helpers_suite)

BOOST_AUTO_TEST_CASE(user_names_split_at_the_last_at_with_the_domain_lower_cased) {
  struct row {
    std::string text, local, domain;
  };
  std::vector<row> rows = {
      {"alice", "alice", ""},
      {"Alice@Example.COM", "Alice", "example.com"},
      {"\"a@b\"@example.org", "\"a@b\"", "example.org"},
      {"j\xc3\xb6rg@EXAMPLE.de", "j\xc3\xb6rg", "example.de"},
      {"with space@x", "with space", "x"},
  };
  for (const row& r : rows) {
    auto u = parse_mail_user(r.text);
    BOOST_TEST_REQUIRE(u.has_value(), r.text);
    BOOST_TEST(u->local == r.local);
    BOOST_TEST(u->domain == r.domain);
    BOOST_TEST(u->name() == (r.domain.empty() ? r.local : r.local + "@" + r.domain));
  }
  for (std::string bad : {""s, "@example.com"s, "alice@"s, "ali\0ce"s, "alice\r\n@x"s, "a\tb"s,
                          "a\x7f"s, std::string(mail_user::max_length + 1, 'a')}) {
    std::string why;
    BOOST_TEST(!parse_mail_user(bad, &why).has_value(), bad);
    BOOST_TEST(!why.empty());
  }
  BOOST_TEST(parse_mail_user(std::string(mail_user::max_length, 'a')).has_value());
}

BOOST_AUTO_TEST_CASE(plain_messages_follow_rfc_4616) {
  auto m = parse_sasl_plain_message("boss\0admin\0s3cr3t"s);
  BOOST_TEST_REQUIRE(m.has_value());
  BOOST_TEST(m->authzid == "boss");
  BOOST_TEST(m->authcid == "admin");
  BOOST_TEST(m->passwd == "s3cr3t");
  BOOST_TEST(m->encode() == "boss\0admin\0s3cr3t"s);
  BOOST_TEST(parse_sasl_plain_message("\0u\0p"s).has_value());
  for (std::string bad : {""s, "u p"s, "\0u"s, "\0\0p"s, "\0u\0"s, "a\0u\0p\0x"s})
    BOOST_TEST(!parse_sasl_plain_message(bad).has_value());
}

BOOST_AUTO_TEST_CASE(imap_strings_are_quoted_when_they_can_be) {
  BOOST_TEST(*imap_string("user") == "\"user\"");
  BOOST_TEST(*imap_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
  BOOST_TEST(*imap_string("") == "\"\"");
  BOOST_TEST(*imap_string("line\r\nbreak") == "{11}\r\nline\r\nbreak");
  BOOST_TEST(*imap_string("\xc3\xa9") == "{2}\r\n\xc3\xa9");
  BOOST_TEST(!imap_string("a\0b"s).has_value());
  BOOST_TEST(is_imap_tag("A001"));
  BOOST_TEST(is_imap_tag("a]"));
  BOOST_TEST(!is_imap_tag("a+"));
  BOOST_TEST(!is_imap_tag("*"));
  BOOST_TEST(!is_imap_atom("a]"));
  BOOST_TEST(is_imap_atom("THREAD=REFERENCES"));
}

BOOST_AUTO_TEST_CASE(response_lines_are_parsed_as_rfc_3501_section_7_says) {
  auto ok = parse_imap_response_line("* OK [CAPABILITY IMAP4rev1 SASL-IR] Dovecot ready.");
  BOOST_TEST_REQUIRE(ok.has_value());
  BOOST_TEST((ok->what == imap_response_line::kind::status));
  BOOST_TEST(ok->untagged());
  BOOST_TEST(ok->condition == "OK");
  BOOST_TEST(ok->code_name() == "CAPABILITY");
  BOOST_TEST(ok->code_argument() == "IMAP4rev1 SASL-IR");
  BOOST_TEST(ok->text == "[CAPABILITY IMAP4rev1 SASL-IR] Dovecot ready.");
  auto no = parse_imap_response_line("A2 no [AUTHENTICATIONFAILED] Authentication failed.");
  BOOST_TEST_REQUIRE(no.has_value());
  BOOST_TEST(no->tag == "A2");
  BOOST_TEST(no->condition == "NO");
  BOOST_TEST(no->code_name() == "AUTHENTICATIONFAILED");
  auto data = parse_imap_response_line("* capability IMAP4rev1 IDLE");
  BOOST_TEST_REQUIRE(data.has_value());
  BOOST_TEST((data->what == imap_response_line::kind::data));
  BOOST_TEST(data->data_name() == "CAPABILITY");
  BOOST_TEST(data->data_argument() == "IMAP4rev1 IDLE");
  auto plus = parse_imap_response_line("+ OK");
  BOOST_TEST_REQUIRE(plus.has_value());
  BOOST_TEST((plus->what == imap_response_line::kind::continuation));
  BOOST_TEST(plus->text == "OK");
  BOOST_TEST(parse_imap_response_line("A1 OK").has_value());
  for (std::string bad : {"", "A1", "A1 BYE x", "A1 PREAUTH x", "A1 MAYBE x", "a+b OK x", "+x",
                          "* ", "* OK [ALERT x"})
    BOOST_TEST(!parse_imap_response_line(bad).has_value(), bad);
  BOOST_TEST(imap_has_capability("IMAP4rev1 sasl-ir AUTH=PLAIN", "SASL-IR"));
  BOOST_TEST(!imap_has_capability("IMAP4rev1 AUTH=PLAINX", "AUTH=PLAIN"));
  BOOST_TEST(!imap_has_capability("", "ID"));
}

BOOST_AUTO_TEST_CASE(lines_come_out_whole_however_the_stream_is_cut) {
  const std::string stream = "one\r\ntwo\nthree\rstill\r\n\r\n";
  const std::vector<std::string> expected = {"one", "two", "three\rstill", ""};
  for (size_t piece : {size_t(1), size_t(2), size_t(3), stream.size()}) {
    mail_line_reader r(64);
    std::vector<std::string> lines;
    for (size_t at = 0; at < stream.size(); at += piece) {
      std::string_view in = std::string_view(stream).substr(at, piece);
      while (r.next(in) == mail_line_reader::status::line) lines.push_back(r.line());
      BOOST_TEST(in.empty());
    }
    BOOST_TEST(lines == expected, "pieces of " << piece);
    BOOST_TEST(!r.partial());
  }
  mail_line_reader r(4);
  std::string_view in = "abcd\r";
  BOOST_TEST((r.next(in) == mail_line_reader::status::need_more));
  BOOST_TEST(r.partial());
  std::string_view rest = "\nabcde";
  BOOST_TEST((r.next(rest) == mail_line_reader::status::line));
  BOOST_TEST(r.line() == "abcd");
  BOOST_TEST((r.next(rest) == mail_line_reader::status::too_long));
  BOOST_TEST((r.next(rest) == mail_line_reader::status::too_long));  // sticky
  r.reset();
  std::string_view again = "ok\n";
  BOOST_TEST((r.next(again) == mail_line_reader::status::line));
}

BOOST_AUTO_TEST_CASE(the_failure_delay_grows_per_failure_up_to_its_cap) {
  mail_limits l;  // 2 s, x2, at most 15 s
  std::vector<std::pair<unsigned, hamesh::duration>> rows = {
      {0, 0s}, {1, 2s}, {2, 4s}, {3, 8s}, {4, 15s}, {5, 15s}, {1000000, 15s}};
  for (const auto& [failures, delay] : rows)
    BOOST_TEST((l.failure_delay(failures) == delay), failures);
  l.failure_delay_factor = 1;
  BOOST_TEST((l.failure_delay(7) == 2s));
  l.first_failure_delay = 0s;
  BOOST_TEST((l.failure_delay(3) == 0s));
  l.first_failure_delay = 20s;
  BOOST_TEST((l.failure_delay(1) == 15s));
}

BOOST_AUTO_TEST_CASE(keywords_fold_to_upper_case_in_ascii_only) {
  BOOST_TEST(ascii_upper("authenticate Plain") == "AUTHENTICATE PLAIN");
  BOOST_TEST(ascii_upper("\xc3\xa9t\xc3\xa9") == "\xc3\xa9T\xc3\xa9");
}

BOOST_AUTO_TEST_CASE(reply_text_cannot_break_a_line) {
  BOOST_TEST(reply_text("[AUTH] ok") == "[AUTH] ok");
  BOOST_TEST(reply_text("a\r\n* OK b\0c"s) == "a  * OK b c");
  BOOST_TEST(reply_text("  \t padded \r\n") == "padded");
  BOOST_TEST(reply_text(std::string(1000, 'x'), 10) == std::string(10, 'x'));
  BOOST_TEST(reply_text("\r\n").empty());
}

BOOST_AUTO_TEST_SUITE_END()
