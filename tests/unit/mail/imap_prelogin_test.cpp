// The IMAP client side before login: every answer of RFC 3501's not-authenticated state, the
// login forms (atoms, quoted strings, literals of both kinds, AUTHENTICATE PLAIN with and
// without SASL-IR), STARTTLS and the bytes pipelined after it, the limits, and the failed-login
// policy. Every table also runs byte by byte: the transcript must not depend on the cuts.
#include "actors/proxy/mail/imap_prelogin.hpp"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "runtime/base64.hpp"
#include "tests/unit/mail/mail_test_driver.hpp"

using namespace hamesh::proxy::mail;
using namespace mail_test;
using namespace std::string_literals;

namespace {

const std::string secure_greeting =
    "* OK [CAPABILITY IMAP4rev1 SASL-IR ID LITERAL+ AUTH=PLAIN] hamesh ready.\r\n";
const std::string plain_greeting =
    "* OK [CAPABILITY IMAP4rev1 SASL-IR ID LITERAL+ STARTTLS LOGINDISABLED] hamesh ready.\r\n";
const std::string logged_in = "a OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n";
const std::string auth_failed = "a NO [AUTHENTICATIONFAILED] Authentication failed.\r\n";

// TLS offered; `secure`: the connection is TLS already (implicit TLS, or after STARTTLS).
mail_prelogin_settings settings(bool secure) {
  mail_prelogin_settings s;
  s.tls_available = true;
  s.tls_active = secure;
  return s;
}

std::string plain_ir(std::string_view authzid, std::string_view authcid, std::string_view pass) {
  std::string m(authzid);
  m += '\0';
  m += authcid;
  m += '\0';
  m += pass;
  return hamesh::base64_encode(m);
}

struct session_case {
  std::string name;
  std::string input;
  std::string expected;  // after the greeting
};

// Runs `c` whole, byte by byte and in pieces of 3, on a fresh machine each time; all three
// transcripts must be the expected one.
void check(const session_case& c, const mail_prelogin_settings& s, const mail_limits& limits,
           const std::vector<login_outcome>& outcomes) {
  for (size_t piece : {size_t(0), size_t(1), size_t(3)}) {
    imap_prelogin m(s, limits);
    prelogin_run run = drive(m, c.input, piece, outcomes);
    std::string expected = m.greeting().to_client + c.expected;
    BOOST_TEST(run.transcript == expected, c.name << " (pieces of " << piece
                                                  << ")\n  got:  " << escaped(run.transcript)
                                                  << "\n  want: " << escaped(expected));
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(imap_prelogin_suite)

BOOST_AUTO_TEST_CASE(greeting_lists_what_this_connection_offers) {
  struct row {
    bool tls_available, tls_active, allow_plaintext;
    std::string caps;
  };
  // RFC 3501 §6.2.3, RFC 2595 §3.2: STARTTLS only while plain; LOGINDISABLED and no AUTH=PLAIN
  // where passwords are not allowed.
  std::vector<row> rows = {
      {true, false, false, "IMAP4rev1 SASL-IR ID LITERAL+ STARTTLS LOGINDISABLED"},
      {false, false, false, "IMAP4rev1 SASL-IR ID LITERAL+ LOGINDISABLED"},
      {true, true, false, "IMAP4rev1 SASL-IR ID LITERAL+ AUTH=PLAIN"},
      {true, false, true, "IMAP4rev1 SASL-IR ID LITERAL+ STARTTLS AUTH=PLAIN"},
      {false, false, true, "IMAP4rev1 SASL-IR ID LITERAL+ AUTH=PLAIN"},
  };
  for (const row& r : rows) {
    mail_prelogin_settings s;
    s.tls_available = r.tls_available;
    s.tls_active = r.tls_active;
    s.allow_plaintext_auth = r.allow_plaintext;
    imap_prelogin m(s);
    BOOST_TEST(m.greeting().to_client == "* OK [CAPABILITY " + r.caps + "] hamesh ready.\r\n");
    BOOST_TEST(m.capabilities() == r.caps);
  }
}

BOOST_AUTO_TEST_CASE(extensions_can_be_turned_off) {
  mail_prelogin_settings s = settings(false);
  s.imap_sasl_ir = false;
  s.imap_id = false;
  s.imap_literals = mail_prelogin_settings::literal_extension::none;
  imap_prelogin m(s);
  BOOST_TEST(m.capabilities() == "IMAP4rev1 STARTTLS LOGINDISABLED");
  std::string_view in = "a ID NIL\r\n";
  BOOST_TEST(m.on_client_data(in).to_client == "a BAD Unknown command.\r\n");
  s.imap_literals = mail_prelogin_settings::literal_extension::literal_minus;
  BOOST_TEST(imap_prelogin(s).capabilities() == "IMAP4rev1 LITERAL- STARTTLS LOGINDISABLED");
}

BOOST_AUTO_TEST_CASE(commands_before_login_get_their_rfc_3501_answers) {
  const std::string bad_login = "a BAD LOGIN needs a user name and a password.\r\n";
  std::vector<session_case> cases = {
      {"capability", "a CAPABILITY\r\n",
       "* CAPABILITY IMAP4rev1 SASL-IR ID LITERAL+ AUTH=PLAIN\r\n"
       "a OK Pre-login capabilities listed, post-login capabilities have more.\r\n"},
      {"noop, any case", "a1 noop\r\n", "a1 OK NOOP completed.\r\n"},
      {"bare LF ends a line", "a NOOP\n", "a OK NOOP completed.\r\n"},
      {"logout: BYE, OK, close", "x LOGOUT\r\n",
       "* BYE Logging out.\r\nx OK Logout completed.\r\n[close]"},
      {"id nil", "a ID NIL\r\n", "* ID NIL\r\na OK ID completed.\r\n"},
      {"id list", "a ID (\"name\" \"mutt\" \"version\" NIL)\r\n",
       "* ID NIL\r\na OK ID completed.\r\n"},
      {"id empty list", "a ID ()\r\n", "* ID NIL\r\na OK ID completed.\r\n"},
      {"id odd list", "a ID (\"name\")\r\n", "a BAD Invalid ID parameters.\r\n"},
      {"id atom field", "a ID (name \"x\")\r\n", "a BAD Invalid ID parameters.\r\n"},
      {"id unclosed", "a ID (\"n\" \"x\"\r\n", "a BAD Missing ')'.\r\n"},
      {"id nested too deep", "a ID ((((((((((\"x\"))))))))))\r\n",
       "a BAD Lists nested too deeply.\r\n"},
      {"select: authenticated state only", "a SELECT INBOX\r\n",
       "a BAD Command not allowed before login.\r\n"},
      {"uid fetch: selected state only", "a uid fetch 1 (FLAGS)\r\n",
       "a BAD Command not allowed before login.\r\n"},
      {"unknown", "a XYZZY\r\n", "a BAD Unknown command.\r\n"},
      {"empty line", "\r\n", "* BAD Missing tag.\r\n"},
      {"'+' cannot start a tag", "+ NOOP\r\n", "* BAD Missing tag.\r\n"},
      {"'*' cannot be a tag", "* NOOP\r\n", "* BAD Missing tag.\r\n"},
      {"tag with an atom-special", "a(b NOOP\r\n", "* BAD Invalid tag.\r\n"},
      {"tag alone", "a\r\n", "a BAD Missing command.\r\n"},
      {"two spaces", "a  NOOP\r\n", "a BAD Missing command.\r\n"},
      {"CR inside a line", "a NO\rOP\r\n", "a BAD Unknown command.\r\n"},
      {"junk after a command name", "a NOOP)\r\n", "a BAD Invalid characters in command name.\r\n"},
      {"noop with arguments", "a NOOP now\r\n", "a BAD Unexpected arguments.\r\n"},
      {"trailing space", "a NOOP \r\n", "a BAD Missing argument.\r\n"},
      {"login without password", "a LOGIN onlyuser\r\n", bad_login},
      {"login with a list", "a LOGIN user (pass)\r\n", bad_login},
      {"unterminated quoted", "a LOGIN \"open\r\n", "a BAD Invalid quoted string.\r\n"},
      {"bad escape", "a LOGIN \"bad\\escape\" p\r\n", "a BAD Invalid quoted string.\r\n"},
      {"list-wildcard in an atom", "a LOGIN us%er pass\r\n",
       "a BAD Missing space between arguments.\r\n"},
      {"NUL in a literal", "a LOGIN {3}\r\nu\0s p\r\n"s, "+ OK\r\na BAD Invalid literal.\r\n"},
      {"literal not at the end of its line", "a LOGIN {3}x p\r\n", "a BAD Invalid literal.\r\n"},
      {"list-wildcards in a command we do not serve", "a LIST \"\" *\r\n",
       "a BAD Command not allowed before login.\r\n"},
      {"bad arguments to an unknown command", "a XYZZY (\r\n", "a BAD Unknown command.\r\n"},
      {"starttls when TLS is on", "a STARTTLS\r\n", "a BAD TLS is already active.\r\n"},
      {"unknown mechanism", "a AUTHENTICATE CRAM-MD5\r\n",
       "a NO Unsupported authentication mechanism.\r\n"},
      {"initial response quoted", "a AUTHENTICATE PLAIN \"x\"\r\n",
       "a BAD Invalid AUTHENTICATE arguments.\r\n"},
      {"initial response not base64", "a AUTHENTICATE PLAIN !!!!\r\n",
       "a BAD Invalid base64 data in initial response.\r\n"},
      {"pipelined", "a NOOP\r\nb NOOP\r\n", "a OK NOOP completed.\r\nb OK NOOP completed.\r\n"},
  };
  for (const auto& c : cases) check(c, settings(true), {}, {});
}

BOOST_AUTO_TEST_CASE(login_arguments_in_every_form_reach_the_backend_as_sent) {
  const std::string ok = logged_in;
  std::vector<session_case> cases = {
      {"atoms", "a LOGIN user pass\r\n", "[login login user=user authcid=user password=pass]" + ok},
      {"quoted with escapes", "a LOGIN \"us\\\"er\" \"p\\\\ss w\"\r\n",
       "[login login user=us\"er authcid=us\"er password=p\\ss w]" + ok},
      {"synchronising literals wait for '+ OK'", "a LOGIN {4}\r\nuser {4}\r\npass\r\n",
       "+ OK\r\n+ OK\r\n[login login user=user authcid=user password=pass]" + ok},
      {"non-synchronising literals (LITERAL+)", "a LOGIN {4+}\r\nuser {4+}\r\npass\r\n",
       "[login login user=user authcid=user password=pass]" + ok},
      {"a literal holds CRLF", "a LOGIN user {6+}\r\np\r\nass\r\n",
       "[login login user=user authcid=user password=p\r\nass]" + ok},
      {"8-bit quoted password, domain lower-cased", "a LOGIN user@EXAMPLE.Com \"p\xc3\xa4ss\"\r\n",
       "[login login user=user@example.com authcid=user@EXAMPLE.Com password=p\xc3\xa4ss]" + ok},
      {"astring atom with ']'", "a LOGIN us]er pass\r\n",
       "[login login user=us]er authcid=us]er password=pass]" + ok},
      {"empty password refused here", "a LOGIN user {0}\r\n\r\n",
       "+ OK\r\n[delay 2000ms]" + auth_failed},
      {"control character in the name", "a LOGIN {3+}\r\nu\x01s pass\r\n",
       "[delay 2000ms]" + auth_failed},
      {"sasl-ir", "a AUTHENTICATE PLAIN " + plain_ir("", "user", "pass") + "\r\n",
       "[login plain user=user authcid=user password=pass]" + ok},
      {"no initial response: empty challenge",
       "a AUTHENTICATE PLAIN\r\n" + plain_ir("", "user", "pass") + "\r\n",
       "+ \r\n[login plain user=user authcid=user password=pass]" + ok},
      {"authzid: a login as someone else",
       "a AUTHENTICATE PLAIN " + plain_ir("boss", "admin", "secret") + "\r\n",
       "[login plain user=boss authcid=admin authzid=boss password=secret]" + ok},
      {"'*' cancels", "a authenticate plain\r\n*\r\n", "+ \r\na BAD Authentication cancelled.\r\n"},
      {"'=' is an empty response", "a AUTHENTICATE PLAIN =\r\n", "[delay 2000ms]" + auth_failed},
      {"empty response line", "a AUTHENTICATE PLAIN\r\n\r\n", "+ \r\n[delay 2000ms]" + auth_failed},
      {"response not base64", "a AUTHENTICATE PLAIN\r\nnot base64\r\n",
       "+ \r\na BAD Invalid base64 data.\r\n"},
      {"response padded wrong", "a AUTHENTICATE PLAIN\r\nAHVzZXIAcGFzcw\r\n",
       "+ \r\na BAD Invalid base64 data.\r\n"},
      {"PLAIN without its second NUL",
       "a AUTHENTICATE PLAIN " + hamesh::base64_encode("user pass"s) + "\r\n",
       "[delay 2000ms]" + auth_failed},
  };
  for (const auto& c : cases) check(c, settings(true), {}, {succeeded("IMAP4rev1 IDLE")});
}

BOOST_AUTO_TEST_CASE(commands_pipelined_after_a_login_are_left_for_the_backend) {
  imap_prelogin m(settings(true));
  prelogin_run run =
      drive(m, "a LOGIN user pass\r\nb SELECT INBOX\r\n", 0, {succeeded("IMAP4rev1")});
  BOOST_TEST(m.logged_in());
  BOOST_TEST(!m.wants_client_data());
  BOOST_TEST(run.left == "b SELECT INBOX\r\n");
  // Nothing more is taken once logged in: the shell splices.
  std::string_view in = "c NOOP\r\n";
  BOOST_TEST(m.on_client_data(in).empty());
  BOOST_TEST(in.size() == 8u);
}

BOOST_AUTO_TEST_CASE(starttls_drops_what_was_pipelined_after_it) {
  // CVE-2011-0411: bytes after STARTTLS came in plaintext; if they were read after the
  // handshake, a man in the middle could run commands in the client's TLS session.
  for (size_t piece : {size_t(0), size_t(1)}) {
    imap_prelogin m(settings(false));
    prelogin_run run = drive(m, "a STARTTLS\r\nb LOGIN user pass\r\nc LOGOUT\r\n", piece);
    BOOST_TEST(run.transcript == plain_greeting + "a OK Begin TLS negotiation now.\r\n[starttls]");
    BOOST_TEST(run.left.empty());
    BOOST_TEST(!m.wants_client_data());
    std::string_view late = "d LOGIN user pass\r\n";
    BOOST_TEST(m.on_client_data(late).empty());
    BOOST_TEST(late.empty());  // taken and dropped
    BOOST_TEST(m.tls_started().empty());
    BOOST_TEST(m.secure());
    std::string_view in = "e CAPABILITY\r\nf STARTTLS\r\n";
    BOOST_TEST(m.on_client_data(in).to_client ==
               "* CAPABILITY IMAP4rev1 SASL-IR ID LITERAL+ AUTH=PLAIN\r\n"
               "e OK Pre-login capabilities listed, post-login capabilities have more.\r\n"
               "f BAD TLS is already active.\r\n");
  }
}

BOOST_AUTO_TEST_CASE(starttls_is_refused_when_not_offered) {
  mail_prelogin_settings s = settings(false);
  s.tls_available = false;
  check({"no certificate", "a STARTTLS\r\n", "a BAD TLS support is not enabled.\r\n"}, s, {}, {});
  check({"arguments", "a STARTTLS now\r\n", "a BAD Unexpected arguments.\r\n"}, settings(false), {},
        {});
}

BOOST_AUTO_TEST_CASE(plaintext_passwords_are_refused_without_tls) {
  const std::string refusal =
      " NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure connections.\r\n";
  // No "+ " for AUTHENTICATE: the client never gets to send its password in the clear.
  check({"login and authenticate", "a LOGIN user pass\r\nb AUTHENTICATE PLAIN\r\n",
         "a" + refusal + "b" + refusal},
        settings(false), {}, {});
  // A synchronising literal is refused before the password is sent: the client waits for the
  // continuation and gets the NO; its next line is a new command.
  check({"login with literals", "a LOGIN user {4}\r\nb LOGIN {4}\r\nc NOOP\r\n",
         "a" + refusal + "b" + refusal + "c OK NOOP completed.\r\n"},
        settings(false), {}, {});
  // A non-synchronising one is on its way already: read, then refused.
  check({"login with LITERAL+", "a LOGIN user {4+}\r\npass\r\n", "a" + refusal}, settings(false),
        {}, {});
  mail_prelogin_settings allowed = settings(false);
  allowed.allow_plaintext_auth = true;
  imap_prelogin m(allowed);
  prelogin_run run = drive(m, "a LOGIN user pass\r\n", 0, {succeeded("IMAP4rev1")});
  BOOST_TEST(run.transcript ==
             "* OK [CAPABILITY IMAP4rev1 SASL-IR ID LITERAL+ STARTTLS AUTH=PLAIN] hamesh ready.\r\n"
             "[login login user=user authcid=user password=pass]a OK [CAPABILITY IMAP4rev1] Logged "
             "in\r\n");
}

BOOST_AUTO_TEST_CASE(a_line_over_the_limit_closes_before_it_ends) {
  mail_limits limits;
  limits.max_line = 32;
  const std::string closing =
      "* BAD Line too long.\r\n* BYE Connection closed: line too long.\r\n[close]";
  std::string at_limit = "a LOGIN user ";
  at_limit += std::string(32 - at_limit.size(), 'p');
  check({"exactly max_line", at_limit + "\r\n",
         "[login login user=user authcid=user password=" + at_limit.substr(13) +
             "]a OK Logged in\r\n"},
        settings(true), limits, {succeeded()});
  check({"one byte over", at_limit + "p\r\n", closing}, settings(true), limits, {});
  check({"no line end yet", std::string(100, 'x'), closing}, settings(true), limits, {});
  // The lines of one command count together: literals do not reset the budget.
  check(
      {"lines around a literal", "a LOGIN {4+}\r\nuser " + std::string(30, 'p') + "\r\n", closing},
      settings(true), limits, {});
  imap_prelogin m(settings(true), limits);
  std::string long_line = "a NOOP " + std::string(40, 'x');
  std::string_view in = long_line;
  m.on_client_data(in);
  BOOST_TEST(m.closed());
  BOOST_TEST(m.close_reason() == mail_errc::line_too_long);
}

BOOST_AUTO_TEST_CASE(a_literal_over_the_limit_gets_no_continuation) {
  mail_limits limits;
  limits.max_literal = 16;
  check({"sync literal at the limit", "a LOGIN user {16}\r\n" + std::string(16, 'p') + "\r\n",
         "+ OK\r\n[login login user=user authcid=user password=" + std::string(16, 'p') +
             "]a OK Logged in\r\n"},
        settings(true), limits, {succeeded()});
  // The client waits for "+ OK": after the tagged BAD its next bytes are a new command.
  check({"sync literal over it", "a LOGIN user {17}\r\nb NOOP\r\n",
         "a BAD [TOOBIG] Literal too large.\r\nb OK NOOP completed.\r\n"},
        settings(true), limits, {});
  check({"a count past 64 bits", "a LOGIN {99999999999999999999999}\r\nb NOOP\r\n",
         "a BAD [TOOBIG] Literal too large.\r\nb OK NOOP completed.\r\n"},
        settings(true), limits, {});
}

BOOST_AUTO_TEST_CASE(a_non_synchronising_literal_over_the_limit_closes_unread) {
  mail_limits limits;
  limits.max_literal = 16;
  // Its bytes are on the way: none of them may run as a command (the LOGOUT inside is data).
  check({"over max_literal", "a LOGIN {17+}\r\nb LOGOUT\r\n1234567\r\n",
         "a BAD [TOOBIG] Literal too large.\r\n* BYE Connection closed: literal too "
         "large.\r\n[close]"},
        settings(true), limits, {});
  // RFC 7888: with LITERAL- a non-synchronising literal holds 4096 bytes at most.
  mail_prelogin_settings minus = settings(true);
  minus.imap_literals = mail_prelogin_settings::literal_extension::literal_minus;
  const std::string minus_greeting =
      "* OK [CAPABILITY IMAP4rev1 SASL-IR ID LITERAL- AUTH=PLAIN] hamesh ready.\r\n";
  imap_prelogin over(minus);
  BOOST_TEST(drive(over, "a LOGIN user {4097+}\r\n").transcript ==
             minus_greeting +
                 "a BAD [TOOBIG] Literal too large.\r\n* BYE Connection closed: literal too "
                 "large.\r\n[close]");
  imap_prelogin at(minus);
  std::string password(4096, 'p');
  BOOST_TEST(
      drive(at, "a LOGIN user {4096+}\r\n" + password + "\r\n", 0, {succeeded()}).transcript ==
      minus_greeting + "[login login user=user authcid=user password=" + password +
          "]a OK Logged in\r\n");
}

BOOST_AUTO_TEST_CASE(too_many_literals_in_one_command_are_refused) {
  mail_limits limits;
  limits.max_command_literals = 2;
  check({"sync", "a ID ({1}\r\na {1}\r\nb {1}\r\nc NOOP\r\n",
         "+ OK\r\n+ OK\r\na BAD [LIMIT] Too many literals.\r\nc OK NOOP completed.\r\n"},
        settings(true), limits, {});
  check({"non-sync", "a ID ({1+}\r\na {1+}\r\nb {1+}\r\n",
         "a BAD [LIMIT] Too many literals.\r\n* BYE Connection closed: too many "
         "literals.\r\n[close]"},
        settings(true), limits, {});
}

BOOST_AUTO_TEST_CASE(failed_logins_wait_longer_each_time_and_the_last_one_closes) {
  check({"three failures", "a LOGIN u p1\r\nb LOGIN u p2\r\nc LOGIN u p3\r\nd NOOP\r\n",
         "[login login user=u authcid=u password=p1][delay 2000ms]" + auth_failed +
             "[login login user=u authcid=u password=p2][delay 4000ms]"
             "b NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"
             "[login login user=u authcid=u password=p3][delay 8000ms]"
             "c NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"
             "* BYE Too many invalid authentication attempts.\r\n[close]"},
        settings(true), {}, {});
  imap_prelogin m(settings(true));
  prelogin_run run = drive(m, "a LOGIN u p1\r\nb LOGIN u p2\r\nc LOGIN u p3\r\nd NOOP\r\n");
  BOOST_TEST(run.left == "d NOOP\r\n");
  BOOST_TEST(m.failed_logins() == 3u);
  BOOST_TEST(m.close_reason() == mail_errc::too_many_failed_logins);
}

BOOST_AUTO_TEST_CASE(without_a_delay_the_failure_still_comes_before_the_next_answer) {
  mail_limits limits;
  limits.first_failure_delay = hamesh::duration::zero();
  check({"no delay", "a LOGIN u p\r\nb NOOP\r\n",
         "[login login user=u authcid=u password=p]" + auth_failed + "b OK NOOP completed.\r\n"},
        settings(true), limits, {});
}

BOOST_AUTO_TEST_CASE(the_backends_answer_reaches_the_client_made_safe) {
  check({"failure text with its response code", "a LOGIN user pass\r\n",
         "[login login user=user authcid=user password=pass][delay 2000ms]"
         "a NO [AUTHENTICATIONFAILED] Invalid credentials\r\n"},
        settings(true), {}, {failed("[AUTHENTICATIONFAILED] Invalid credentials")});
  check({"a line break cannot forge a response", "a LOGIN user pass\r\n",
         "[login login user=user authcid=user password=pass][delay 2000ms]a NO x  * OK forged\r\n"},
        settings(true), {}, {failed("x\r\n* OK forged")});
  check({"capabilities reduced to atoms", "a LOGIN user pass\r\n",
         "[login login user=user authcid=user password=pass]a OK [CAPABILITY IMAP4rev1 IDLE] "
         "Logged in\r\n"},
        settings(true), {}, {succeeded("IMAP4rev1 ]BAD\r\nX IDLE")});
  check({"no capabilities", "a LOGIN user pass\r\n",
         "[login login user=user authcid=user password=pass]a OK Logged in\r\n"},
        settings(true), {}, {succeeded("")});
  imap_prelogin m(settings(true));
  prelogin_run run = drive(m, "a LOGIN user pass\r\nb NOOP\r\n", 0, {unavailable()});
  BOOST_TEST(run.transcript ==
             secure_greeting +
                 "[login login user=user authcid=user password=pass]"
                 "a NO [UNAVAILABLE] Mail server temporarily unavailable, try again later.\r\n"
                 "b OK NOOP completed.\r\n");
  BOOST_TEST(m.failed_logins() == 0u);  // not the client's failure
}

BOOST_AUTO_TEST_CASE(login_outcomes_are_ignored_when_no_login_is_pending) {
  imap_prelogin m(settings(true));
  BOOST_TEST(m.login_succeeded("IMAP4rev1").empty());
  BOOST_TEST(m.login_failed("x").empty());
  BOOST_TEST(m.login_unavailable().empty());
  BOOST_TEST(m.tls_started().empty());
  BOOST_TEST(m.wants_client_data());
}

BOOST_AUTO_TEST_CASE(too_many_bad_commands_close_the_connection) {
  mail_limits limits;
  limits.max_bad_commands = 3;
  check(
      {"three bad", "a FOO\r\nb SELECT x\r\n\r\nd NOOP\r\n",
       "a BAD Unknown command.\r\nb BAD Command not allowed before login.\r\n* BAD Missing tag.\r\n"
       "* BYE Too many invalid IMAP commands.\r\n[close]"},
      settings(true), limits, {});
}

BOOST_AUTO_TEST_CASE(id_keeps_the_clients_parameters_within_rfc_2971_bounds) {
  mail_prelogin_settings s = settings(true);
  s.imap_server_id = {{"name", "hamesh"}, {"vendor", "a \"b\""}};
  imap_prelogin m(s);
  std::string_view in =
      "a ID (\"name\" \"Thunderbird\" \"os\" NIL \"x-originating-ip\" {7+}\r\n1.2.3.4)\r\n";
  BOOST_TEST(m.on_client_data(in).to_client ==
             "* ID (\"name\" \"hamesh\" \"vendor\" \"a \\\"b\\\"\")\r\na OK ID completed.\r\n");
  std::vector<std::pair<std::string, std::string>> expected = {{"name", "Thunderbird"},
                                                               {"x-originating-ip", "1.2.3.4"}};
  BOOST_TEST((m.client_id() == expected));

  std::string thirty_one = "b ID (";
  for (int i = 0; i < 31; ++i) thirty_one += (i ? " \"f" : "\"f") + std::to_string(i) + "\" \"v\"";
  thirty_one += ")\r\n";
  std::string_view too_many = thirty_one;
  BOOST_TEST(m.on_client_data(too_many).to_client == "b BAD Too many ID parameters.\r\n");
  std::string long_field = "c ID (\"" + std::string(31, 'f') + "\" \"v\")\r\n";
  std::string_view field = long_field;
  BOOST_TEST(m.on_client_data(field).to_client == "c BAD ID parameter too long.\r\n");
  std::string long_value = "d ID (\"f\" \"" + std::string(1025, 'v') + "\")\r\n";
  std::string_view value = long_value;
  BOOST_TEST(m.on_client_data(value).to_client == "d BAD ID parameter too long.\r\n");
  BOOST_TEST(m.client_id().size() == 2u);  // refused IDs change nothing
}

BOOST_AUTO_TEST_CASE(refusals_name_their_reason) {
  struct row {
    std::string input;
    mail_errc reason;
  };
  std::vector<row> rows = {
      {"a FOO\r\n", mail_errc::unknown_command},
      {"a FETCH 1 ALL\r\n", mail_errc::command_not_allowed},
      {"a NOOP x\r\n", mail_errc::bad_syntax},
      {"\r\n", mail_errc::missing_tag},
      {"a AUTHENTICATE LOGIN\r\n", mail_errc::unsupported_mechanism},
      {"a AUTHENTICATE PLAIN ####\r\n", mail_errc::bad_base64},
      {"a AUTHENTICATE PLAIN\r\n*\r\n", mail_errc::authentication_cancelled},
      {"a AUTHENTICATE PLAIN =\r\n", mail_errc::bad_sasl_message},
      {"a LOGIN {2+}\r\n\x7f\x7f p\r\n", mail_errc::bad_username},
      {"a LOGIN u \"\"\r\n", mail_errc::empty_password},
      {"a STARTTLS\r\n", mail_errc::tls_already_active},
  };
  for (const row& r : rows) {
    imap_prelogin m(settings(true));
    drive(m, r.input);
    BOOST_TEST(m.last_refusal() == r.reason, r.input);
  }
}

BOOST_AUTO_TEST_SUITE_END()
