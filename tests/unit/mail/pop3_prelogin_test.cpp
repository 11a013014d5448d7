// The POP3 client side before login: RFC 1939's AUTHORIZATION state with CAPA, STLS,
// USER/PASS and AUTH PLAIN, the bytes pipelined after STLS, the limits and the failed-login
// policy; every table also runs byte by byte.
#include "actors/proxy/mail/pop3_prelogin.hpp"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "runtime/base64.hpp"
#include "tests/unit/mail/mail_test_driver.hpp"

using namespace hamesh::proxy::mail;
using namespace mail_test;
using namespace std::string_literals;

namespace {

const std::string greeting = "+OK hamesh ready.\r\n";
const std::string auth_failed = "-ERR [AUTH] Authentication failed.\r\n";
const std::string plaintext_refusal =
    "-ERR [AUTH] Plaintext authentication disallowed on non-secure connections.\r\n";

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

void check(const session_case& c, const mail_prelogin_settings& s, const mail_limits& limits = {},
           const std::vector<login_outcome>& outcomes = {}) {
  for (size_t piece : {size_t(0), size_t(1), size_t(4)}) {
    pop3_prelogin m(s, limits);
    prelogin_run run = drive(m, c.input, piece, outcomes);
    BOOST_TEST(run.transcript == greeting + c.expected,
               c.name << " (pieces of " << piece << ")\n  got:  " << escaped(run.transcript)
                      << "\n  want: " << escaped(greeting + c.expected));
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pop3_prelogin_suite)

BOOST_AUTO_TEST_CASE(capa_lists_what_this_connection_offers) {
  const std::string head = "+OK Capability list follows\r\n";
  const std::string codes = "RESP-CODES\r\nAUTH-RESP-CODE\r\n";
  check({"secure", "CAPA\r\n", head + "USER\r\nSASL PLAIN\r\n" + codes + ".\r\n"}, settings(true));
  // No USER or SASL where passwords are refused: the client must not try.
  check({"plain", "capa\r\n", head + "STLS\r\n" + codes + ".\r\n"}, settings(false));
  mail_prelogin_settings s = settings(false);
  s.allow_plaintext_auth = true;
  s.pop3_implementation = "hamesh";
  check({"plaintext allowed", "CAPA\r\n",
         head + "USER\r\nSASL PLAIN\r\nSTLS\r\n" + codes + "IMPLEMENTATION hamesh\r\n.\r\n"},
        s);
}

BOOST_AUTO_TEST_CASE(commands_before_login_get_their_rfc_1939_answers) {
  const std::string not_allowed = "-ERR Command not allowed before login.\r\n";
  std::vector<session_case> cases = {
      {"quit closes", "QUIT\r\n", "+OK Logging out.\r\n[close]"},
      {"noop is a TRANSACTION command", "NOOP\r\n", not_allowed},
      {"stat", "STAT\r\n", not_allowed},
      {"retr", "retr 1\r\n", not_allowed},
      {"bare LF", "NOOP\n", not_allowed},
      {"apop is not offered", "APOP user c4c9334bac560ecc979e58001b3e22fb\r\n",
       "-ERR Unknown command.\r\n"},
      {"unknown", "XYZZY\r\n", "-ERR Unknown command.\r\n"},
      {"empty line", "\r\n", "-ERR Unknown command.\r\n"},
      {"capa with arguments", "CAPA x\r\n", "-ERR Unexpected arguments.\r\n"},
      {"quit with arguments", "QUIT now\r\n", "-ERR Unexpected arguments.\r\n"},
      {"user without a name", "USER\r\n", "-ERR USER needs a user name.\r\n"},
      {"pass without user", "PASS secret\r\n", "-ERR No user name given.\r\n"},
      {"pass not right after user", "USER u\r\nNOOP\r\nPASS p\r\n",
       "+OK\r\n" + not_allowed + "-ERR No user name given.\r\n"},
      {"pass without a password", "USER u\r\nPASS\r\n", "+OK\r\n-ERR PASS needs a password.\r\n"},
      {"control character", "USER u\x01\r\n", "-ERR Invalid characters in command.\r\n"},
      {"stls when TLS is on", "STLS\r\n", "-ERR TLS is already active.\r\n"},
      {"auth lists mechanisms", "AUTH\r\n", "+OK\r\nPLAIN\r\n.\r\n"},
      {"unknown mechanism", "AUTH CRAM-MD5\r\n", "-ERR Unsupported authentication mechanism.\r\n"},
      {"too many arguments", "AUTH PLAIN a b\r\n", "-ERR Invalid AUTH arguments.\r\n"},
      {"initial response not base64", "AUTH PLAIN !!!!\r\n",
       "-ERR Invalid base64 data in initial response.\r\n"},
  };
  for (const auto& c : cases) check(c, settings(true));
}

BOOST_AUTO_TEST_CASE(logins_reach_the_backend_as_sent) {
  const std::string ok = "+OK Logged in.\r\n";
  std::vector<session_case> cases = {
      {"user and pass", "USER user\r\nPASS pass\r\n",
       "+OK\r\n[login login user=user authcid=user password=pass]" + ok},
      {"the rest of the line is the password", "user user@Example.ORG\r\npass pass word \r\n",
       "+OK\r\n[login login user=user@example.org authcid=user@Example.ORG password=pass word ]" +
           ok},
      {"8-bit password", "USER u\r\nPASS p\xc3\xa4ss\r\n",
       "+OK\r\n[login login user=u authcid=u password=p\xc3\xa4ss]" + ok},
      {"auth plain with initial response", "AUTH PLAIN " + plain_ir("", "user", "pass") + "\r\n",
       "[login plain user=user authcid=user password=pass]" + ok},
      {"auth plain after the empty challenge",
       "auth plain\r\n" + plain_ir("", "user", "pass") + "\r\n",
       "+ \r\n[login plain user=user authcid=user password=pass]" + ok},
      {"authzid", "AUTH PLAIN " + plain_ir("boss", "admin", "secret") + "\r\n",
       "[login plain user=boss authcid=admin authzid=boss password=secret]" + ok},
      {"'*' cancels", "AUTH PLAIN\r\n*\r\n", "+ \r\n-ERR Authentication cancelled.\r\n"},
      {"'=' is an empty response", "AUTH PLAIN =\r\n", "[delay 2000ms]" + auth_failed},
      {"response not base64", "AUTH PLAIN\r\n!!\r\n", "+ \r\n-ERR Invalid base64 data.\r\n"},
      {"PLAIN with an empty password", "AUTH PLAIN " + plain_ir("", "user", "") + "\r\n",
       "[delay 2000ms]" + auth_failed},
  };
  for (const auto& c : cases) check(c, settings(true), {}, {succeeded()});
}

BOOST_AUTO_TEST_CASE(commands_pipelined_after_pass_are_left_for_the_backend) {
  pop3_prelogin m(settings(true));
  prelogin_run run =
      drive(m, "USER u\r\nPASS p\r\nSTAT\r\nLIST\r\n", 0, {succeeded("Logged in, 2 messages.")});
  BOOST_TEST(run.transcript ==
             greeting +
                 "+OK\r\n[login login user=u authcid=u password=p]+OK Logged in, 2 messages.\r\n");
  BOOST_TEST(run.left == "STAT\r\nLIST\r\n");
  BOOST_TEST(m.logged_in());
}

BOOST_AUTO_TEST_CASE(stls_drops_what_was_pipelined_after_it) {
  for (size_t piece : {size_t(0), size_t(1)}) {
    pop3_prelogin m(settings(false));
    prelogin_run run = drive(m, "STLS\r\nUSER u\r\nPASS p\r\n", piece);
    BOOST_TEST(run.transcript == greeting + "+OK Begin TLS negotiation now.\r\n[starttls]");
    std::string_view late = "QUIT\r\n";
    BOOST_TEST(m.on_client_data(late).empty());
    BOOST_TEST(late.empty());
    m.tls_started();
    BOOST_TEST(m.secure());
    std::string_view in = "USER u\r\nPASS p\r\n";
    BOOST_TEST(m.on_client_data(in).to_client == "+OK\r\n");
    BOOST_TEST(in.empty());
  }
  mail_prelogin_settings s = settings(false);
  s.tls_available = false;
  check({"no certificate", "STLS\r\n", "-ERR TLS support is not enabled.\r\n"}, s);
}

BOOST_AUTO_TEST_CASE(plaintext_passwords_are_refused_without_tls) {
  check({"user, pass, auth", "USER u\r\nPASS p\r\nAUTH PLAIN\r\nAUTH\r\n",
         plaintext_refusal + plaintext_refusal + plaintext_refusal + "+OK\r\n.\r\n"},
        settings(false));
  mail_prelogin_settings s = settings(false);
  s.allow_plaintext_auth = true;
  check({"allowed", "USER u\r\nPASS p\r\n",
         "+OK\r\n[login login user=u authcid=u password=p]+OK Logged in.\r\n"},
        s, {}, {succeeded()});
}

BOOST_AUTO_TEST_CASE(a_line_over_the_limit_closes) {
  mail_limits limits;
  limits.max_line = 16;
  check({"at the limit", "USER " + std::string(11, 'u') + "\r\n", "+OK\r\n"}, settings(true),
        limits);
  check({"over", "USER " + std::string(12, 'u') + "\r\n", "-ERR Line too long.\r\n[close]"},
        settings(true), limits);
  check({"no line end yet", std::string(40, 'x'), "-ERR Line too long.\r\n[close]"}, settings(true),
        limits);
}

BOOST_AUTO_TEST_CASE(failed_logins_wait_longer_each_time_and_the_last_one_closes) {
  mail_limits limits;
  limits.max_failed_logins = 2;
  limits.first_failure_delay = std::chrono::milliseconds(500);
  limits.failure_delay_factor = 3;
  check({"two failures", "USER u\r\nPASS a\r\nUSER u\r\nPASS b\r\nUSER u\r\n",
         "+OK\r\n[login login user=u authcid=u password=a][delay 500ms]" + auth_failed +
             "+OK\r\n[login login user=u authcid=u password=b][delay 1500ms]" + auth_failed +
             "[close]"},
        settings(true), limits);
}

BOOST_AUTO_TEST_CASE(the_backends_answer_reaches_the_client_made_safe) {
  check({"response code kept", "USER u\r\nPASS p\r\n",
         "+OK\r\n[login login user=u authcid=u password=p][delay 2000ms]-ERR [IN-USE] Mailbox "
         "locked\r\n"},
        settings(true), {}, {failed("[IN-USE] Mailbox locked")});
  check({"no line break", "USER u\r\nPASS p\r\n",
         "+OK\r\n[login login user=u authcid=u password=p][delay 2000ms]-ERR a  +OK b\r\n"},
        settings(true), {}, {failed("a\r\n+OK b")});
  pop3_prelogin m(settings(true));
  prelogin_run run = drive(m, "USER u\r\nPASS p\r\nCAPA\r\n", 0, {unavailable()});
  BOOST_TEST(run.transcript.find(
                 "-ERR [SYS/TEMP] Mail server temporarily unavailable, try again later.\r\n"
                 "+OK Capability list follows\r\n") != std::string::npos);
  BOOST_TEST(m.failed_logins() == 0u);
}

BOOST_AUTO_TEST_CASE(too_many_bad_commands_close_the_connection) {
  mail_limits limits;
  limits.max_bad_commands = 3;
  check({"three bad", "FOO\r\nSTAT\r\nPASS x\r\nQUIT\r\n",
         "-ERR Unknown command.\r\n-ERR Command not allowed before login.\r\n-ERR No user name "
         "given.\r\n[close]"},
        settings(true), limits);
  pop3_prelogin m(settings(true), limits);
  drive(m, "FOO\r\nSTAT\r\nPASS x\r\nQUIT\r\n");
  BOOST_TEST(m.close_reason() == mail_errc::too_many_bad_commands);
  BOOST_TEST(m.last_refusal() == mail_errc::no_user_given);
}

BOOST_AUTO_TEST_SUITE_END()
