// The POP3 backend login against scripted Dovecot-like servers: CAPA, XCLIENT, AUTH PLAIN or
// USER/PASS, and the verdict every reply leads to. Each script also runs byte by byte.
#include "actors/proxy/mail/pop3_backend_login.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

#include "runtime/base64.hpp"
#include "tests/unit/mail/mail_test_driver.hpp"

using namespace hamesh::proxy::mail;
using namespace mail_test;
using namespace std::string_literals;
using verdict = backend_step::verdict;

namespace {

const std::string dovecot_capa =
    "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nUSER\r\n"
    "SASL PLAIN LOGIN\r\nXCLIENT\r\n.\r\n";

backend_login_settings client(std::string user = "user@example.com",
                              std::string password = "secret") {
  backend_login_settings s;
  s.user = std::move(user);
  s.password = std::move(password);
  s.client_ip = "192.0.2.1";
  s.client_port = 50000;
  return s;
}

std::string plain(std::string_view authzid, std::string_view authcid, std::string_view pass) {
  return hamesh::base64_encode(std::string(authzid) + '\0' + std::string(authcid) + '\0' +
                               std::string(pass));
}

constexpr size_t any_left = size_t(-1);

struct expectation {
  std::string to_backend;
  verdict outcome;
  size_t left = 0;  // any_left: how much a refused line leaves is not specified
  mail_errc reason = mail_errc::none;
};

pop3_backend_login check(const std::string& name, const backend_login_settings& s,
                         const std::string& script, const expectation& e, mail_limits limits = {}) {
  pop3_backend_login last(s, limits);
  for (size_t piece : {size_t(0), size_t(1), size_t(5)}) {
    pop3_backend_login d(s, limits);
    backend_run run = drive_backend(d, script, piece);
    BOOST_TEST(run.to_backend == e.to_backend, name << " (pieces of " << piece
                                                    << ")\n  got:  " << escaped(run.to_backend)
                                                    << "\n  want: " << escaped(e.to_backend));
    BOOST_TEST(run.outcome == e.outcome,
               name << " (pieces of " << piece << "): " << run.outcome << " " << d.error().text);
    if (e.left != any_left) BOOST_TEST(run.left == e.left, name << " (pieces of " << piece << ")");
    BOOST_TEST(d.error().reason == e.reason,
               name << " (pieces of " << piece << "): " << d.error().reason);
    last = std::move(d);
  }
  return last;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pop3_backend_login_suite)

BOOST_AUTO_TEST_CASE(dovecot_gets_xclient_then_auth_plain) {
  pop3_backend_login d =
      check("dovecot", client(),
            "+OK Dovecot ready.\r\n" + dovecot_capa + "+OK\r\n+OK Logged in.\r\nleft",
            {"CAPA\r\nXCLIENT ADDR=192.0.2.1 PORT=50000\r\nAUTH PLAIN " +
                 plain("", "user@example.com", "secret") + "\r\n",
             verdict::logged_in, 4});
  BOOST_TEST(d.reply() == "Logged in.");
  BOOST_TEST(d.client_address_forwarded());
  backend_login_settings with_session = client();
  with_session.session_id = "abc123";
  check("session id", with_session, "+OK hi\r\n" + dovecot_capa + "-ERR not from you\r\n+OK\r\n",
        {"CAPA\r\nXCLIENT ADDR=192.0.2.1 PORT=50000 SESSION=abc123\r\nAUTH PLAIN " +
             plain("", "user@example.com", "secret") + "\r\n",
         verdict::logged_in});
}

BOOST_AUTO_TEST_CASE(without_sasl_it_uses_user_and_pass) {
  const std::string user_pass = "USER user@example.com\r\nPASS secret\r\n";
  check("CAPA without SASL", client(),
        "+OK ready\r\n+OK\r\nUSER\r\n..STUFFED\r\n.\r\n+OK\r\n+OK Logged in.\r\n",
        {"CAPA\r\n" + user_pass, verdict::logged_in});
  // RFC 2449 §5: a server without CAPA answers -ERR; RFC 1939's USER/PASS still works.
  check("no CAPA at all", client(), "+OK ready\r\n-ERR unknown command\r\n+OK\r\n+OK\r\n",
        {"CAPA\r\n" + user_pass, verdict::logged_in});
  pop3_backend_login d =
      check("-ERR [AUTH] to PASS", client(),
            "+OK ready\r\n-ERR\r\n+OK\r\n-ERR [AUTH] Authentication failed.\r\n",
            {"CAPA\r\n" + user_pass, verdict::auth_failed, 0, mail_errc::authentication_failed});
  BOOST_TEST(d.reply() == "[AUTH] Authentication failed.");
  check("-ERR to USER", client(), "+OK ready\r\n-ERR\r\n-ERR no such user\r\n",
        {"CAPA\r\nUSER user@example.com\r\n", verdict::auth_failed, 0,
         mail_errc::authentication_failed});
  // CR or LF in a password cannot go on a USER/PASS line.
  check("CRLF in the password", client("user@example.com", "a\r\nQUIT"), "+OK ready\r\n-ERR\r\n",
        {"CAPA\r\n", verdict::auth_failed, 0, mail_errc::authentication_failed});
}

BOOST_AUTO_TEST_CASE(long_credentials_wait_for_the_challenge) {
  // RFC 5034 §4: an AUTH line with its initial response stays within 255 octets.
  std::string password(200, 'p');
  std::string response = plain("", "user@example.com", password);
  check("over 255 octets", client("user@example.com", password),
        "+OK hi\r\n+OK\r\nSASL PLAIN\r\n.\r\n+ \r\n+OK in\r\n",
        {"CAPA\r\nAUTH PLAIN\r\n" + response + "\r\n", verdict::logged_in});
  check("a second challenge", client("user@example.com", password),
        "+OK hi\r\n+OK\r\nSASL PLAIN\r\n.\r\n+ \r\n+ again\r\n",
        {"CAPA\r\nAUTH PLAIN\r\n" + response + "\r\n", verdict::backend_error, 0,
         mail_errc::backend_unexpected_reply});
}

BOOST_AUTO_TEST_CASE(a_master_user_logs_in_by_plain_for_the_user) {
  backend_login_settings s = client();
  s.master_user = "master";
  s.client_ip.clear();
  check("master", s, "+OK hi\r\n+OK\r\nSASL PLAIN\r\n.\r\n+OK\r\n",
        {"CAPA\r\nAUTH PLAIN " + plain("user@example.com", "master", "secret") + "\r\n",
         verdict::logged_in});
  check("master without SASL PLAIN", s, "+OK hi\r\n+OK\r\nUSER\r\n.\r\n",
        {"CAPA\r\n", verdict::backend_error, 0, mail_errc::backend_no_usable_mechanism});
}

BOOST_AUTO_TEST_CASE(every_failure_gets_its_verdict) {
  const std::string start = "+OK hi\r\n+OK\r\nSASL PLAIN\r\n.\r\n";
  const std::string auth = "CAPA\r\nAUTH PLAIN " + plain("", "user@example.com", "secret") + "\r\n";
  backend_login_settings s = client();
  s.client_ip.clear();
  pop3_backend_login temp =
      check("[SYS/TEMP]: try the other member", s, start + "-ERR [SYS/TEMP] Storage down\r\n",
            {auth, verdict::backend_error, 0, mail_errc::backend_unavailable});
  BOOST_TEST(temp.reply() == "[SYS/TEMP] Storage down");
  check("[SYS/PERM]", s, start + "-ERR [sys/perm] broken\r\n",
        {auth, verdict::backend_error, 0, mail_errc::backend_unavailable});
  pop3_backend_login in_use =
      check("[IN-USE] is the client's answer", s, start + "-ERR [IN-USE] Mailbox locked\r\n",
            {auth, verdict::auth_failed, 0, mail_errc::authentication_failed});
  BOOST_TEST(in_use.reply() == "[IN-USE] Mailbox locked");
  check("-ERR greeting", s, "-ERR [SYS/TEMP] too busy\r\n",
        {"", verdict::backend_error, 0, mail_errc::backend_bye});
  check("garbage", s, "* OK IMAP here\r\n",
        {"", verdict::backend_error, 0, mail_errc::backend_malformed_reply});
  check("+OKAY is not +OK", s, "+OKAY\r\n",
        {"", verdict::backend_error, 0, mail_errc::backend_malformed_reply});
  check("a continuation outside AUTH", s, "+OK hi\r\n+ \r\n",
        {"CAPA\r\n", verdict::backend_error, 0, mail_errc::backend_unexpected_reply});
  check("closed in CAPA", s, "+OK hi\r\n+OK\r\nUSER\r\n",
        {"CAPA\r\n", verdict::backend_error, 0, mail_errc::backend_closed});
  mail_limits small;
  small.max_line = 20;
  check("a line over max_line", s, "+OK " + std::string(30, 'x') + "\r\n",
        {"", verdict::backend_error, any_left, mail_errc::backend_line_too_long}, small);
}

BOOST_AUTO_TEST_SUITE_END()
