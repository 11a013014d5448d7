// The IMAP backend login against scripted Dovecot-like servers: what the driver sends for each
// greeting and capability list, and the verdict every reply leads to. Each script also runs
// byte by byte.
#include "actors/proxy/mail/imap_backend_login.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

#include "runtime/base64.hpp"
#include "tests/unit/mail/mail_test_driver.hpp"

using namespace hamesh::proxy::mail;
using namespace mail_test;
using namespace std::string_literals;
using verdict = backend_step::verdict;

namespace {

const std::string dovecot_greeting =
    "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] "
    "Dovecot ready.\r\n";
const std::string id_command =
    "A1 ID (\"x-originating-ip\" \"192.0.2.1\" \"x-originating-port\" \"50000\" "
    "\"x-connected-ip\" \"198.51.100.1\" \"x-connected-port\" \"143\")\r\n";

backend_login_settings client(std::string password = "secret") {
  backend_login_settings s;
  s.user = "user@example.com";
  s.password = std::move(password);
  s.client_ip = "192.0.2.1";
  s.client_port = 50000;
  s.local_ip = "198.51.100.1";
  s.local_port = 143;
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

// Runs the script whole, byte by byte and in pieces of 7; returns the last driver for more checks.
imap_backend_login check(const std::string& name, const backend_login_settings& s,
                         const std::string& script, const expectation& e, mail_limits limits = {}) {
  imap_backend_login last(s, limits);
  for (size_t piece : {size_t(0), size_t(1), size_t(7)}) {
    imap_backend_login d(s, limits);
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

BOOST_AUTO_TEST_SUITE(imap_backend_login_suite)

BOOST_AUTO_TEST_CASE(dovecot_with_sasl_ir_gets_id_and_plain_in_one_write) {
  imap_backend_login d = check(
      "dovecot", client(),
      dovecot_greeting +
          "* ID (\"name\" \"Dovecot\")\r\nA1 OK ID completed.\r\n"
          "A2 OK [CAPABILITY IMAP4rev1 SASL-IR ID ENABLE IDLE SORT THREAD=REFERENCES MOVE] Logged "
          "in\r\n",
      {id_command + "A2 AUTHENTICATE PLAIN " + plain("", "user@example.com", "secret") + "\r\n",
       verdict::logged_in});
  BOOST_TEST(d.capabilities() == "IMAP4rev1 SASL-IR ID ENABLE IDLE SORT THREAD=REFERENCES MOVE");
  BOOST_TEST(d.client_address_forwarded());
}

BOOST_AUTO_TEST_CASE(without_capabilities_in_the_greeting_it_asks_and_uses_login) {
  imap_backend_login d =
      check("asks", client(),
            "* OK ready\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nA0 OK done\r\nA2 OK Logged in\r\n"
            "* CAPABILITY IMAP4rev1 IDLE\r\nA3 OK done\r\nbytes for the client",
            {"A0 CAPABILITY\r\nA2 LOGIN \"user@example.com\" \"secret\"\r\nA3 CAPABILITY\r\n",
             verdict::logged_in, 20});
  BOOST_TEST(d.capabilities() == "IMAP4rev1 IDLE");
  BOOST_TEST(!d.client_address_forwarded());  // no ID offered
}

BOOST_AUTO_TEST_CASE(login_strings_are_quoted_or_sent_as_literals) {
  const std::string greeting = "* OK [CAPABILITY IMAP4rev1] x\r\n";
  const std::string ok = "A2 OK [CAPABILITY IMAP4rev1] Logged in\r\n";
  check("quoted specials escaped", client("p\"a\\ss"), greeting + ok,
        {"A2 LOGIN \"user@example.com\" \"p\\\"a\\\\ss\"\r\n", verdict::logged_in});
  // RFC 3501 §4.3: 8-bit needs a literal; without LITERAL+ it waits for "+".
  check("synchronising literal",
        client("s\xc3\xa9"
               "cret"),
        greeting + "+ OK\r\n" + ok,
        {"A2 LOGIN \"user@example.com\" {7}\r\ns\xc3\xa9"
         "cret\r\n",
         verdict::logged_in});
  check("LITERAL+", client("line\r\nbreak"), "* OK [CAPABILITY IMAP4rev1 LITERAL+] x\r\n" + ok,
        {"A2 LOGIN \"user@example.com\" {11+}\r\nline\r\nbreak\r\n", verdict::logged_in});
  check("LITERAL- within 4096", client("\x80"), "* OK [CAPABILITY IMAP4rev1 LITERAL-] x\r\n" + ok,
        {"A2 LOGIN \"user@example.com\" {1+}\r\n\x80\r\n", verdict::logged_in});
  std::string big(4097, '\x80');
  check("LITERAL- past 4096", client(big),
        "* OK [CAPABILITY IMAP4rev1 LITERAL-] x\r\n+ go\r\n" + ok,
        {"A2 LOGIN \"user@example.com\" {4097}\r\n" + big + "\r\n", verdict::logged_in});
  check("OK before the literal was sent", client("\x80"), greeting + ok,
        {"A2 LOGIN \"user@example.com\" {1}\r\n", verdict::backend_error, 0,
         mail_errc::backend_unexpected_reply});
  check("NUL cannot be sent", client("a\0b"s), greeting,
        {"", verdict::auth_failed, 0, mail_errc::authentication_failed});
}

BOOST_AUTO_TEST_CASE(plain_without_sasl_ir_answers_the_empty_challenge) {
  backend_login_settings s = client();
  s.master_user = "master";
  imap_backend_login d =
      check("master user", s,
            "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] x\r\n+ \r\nA2 OK [CAPABILITY IMAP4rev1 IDLE] "
            "Logged in\r\n",
            {"A2 AUTHENTICATE PLAIN\r\n" + plain("user@example.com", "master", "secret") + "\r\n",
             verdict::logged_in});
  BOOST_TEST(d.capabilities() == "IMAP4rev1 IDLE");
  check("LOGINDISABLED leaves PLAIN", client(),
        "* OK [CAPABILITY IMAP4rev1 LOGINDISABLED AUTH=PLAIN] x\r\n+\r\nA2 OK [CAPABILITY X] y\r\n",
        {"A2 AUTHENTICATE PLAIN\r\n" + plain("", "user@example.com", "secret") + "\r\n",
         verdict::logged_in});
}

BOOST_AUTO_TEST_CASE(post_login_capabilities_come_from_wherever_the_backend_puts_them) {
  const std::string greeting = "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] x\r\n";
  const std::string login =
      "A2 AUTHENTICATE PLAIN " + plain("", "user@example.com", "secret") + "\r\n";
  imap_backend_login untagged =
      check("untagged before the OK", client(),
            greeting + "* CAPABILITY IMAP4rev1 UNTAGGED\r\nA2 OK Logged in\r\n",
            {login, verdict::logged_in});
  BOOST_TEST(untagged.capabilities() == "IMAP4rev1 UNTAGGED");
  imap_backend_login failed = check("CAPABILITY refused after login", client(),
                                    greeting + "A2 OK Logged in\r\nA3 BAD no\r\n",
                                    {login + "A3 CAPABILITY\r\n", verdict::logged_in});
  BOOST_TEST(failed.capabilities().empty());
}

BOOST_AUTO_TEST_CASE(untagged_literals_are_skipped_not_read_as_responses) {
  // The literal holds what looks like our login failing; it is data inside "* ID".
  check("literal in ID", client(),
        dovecot_greeting +
            "* ID (\"name\" {12}\r\nA2 NO fake\r\n \"version\" {0}\r\n)\r\n"
            "A1 OK ID completed.\r\nA2 OK [CAPABILITY IMAP4rev1] Logged in\r\nleftover",
        {id_command + "A2 AUTHENTICATE PLAIN " + plain("", "user@example.com", "secret") + "\r\n",
         verdict::logged_in, 8});
  // The verdict waits for ID's tagged reply, whatever the order: nothing of ours reaches the
  // client.
  check("ID answered after the login", client(),
        dovecot_greeting + "A2 OK [CAPABILITY IMAP4rev1] Logged in\r\nA1 OK ID completed.\r\n",
        {id_command + "A2 AUTHENTICATE PLAIN " + plain("", "user@example.com", "secret") + "\r\n",
         verdict::logged_in});
}

BOOST_AUTO_TEST_CASE(every_failure_gets_its_verdict) {
  const std::string greeting = "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] x\r\n";
  const std::string login =
      "A2 AUTHENTICATE PLAIN " + plain("", "user@example.com", "secret") + "\r\n";
  imap_backend_login no =
      check("NO [AUTHENTICATIONFAILED]", client(),
            greeting + "A2 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
            {login, verdict::auth_failed, 0, mail_errc::authentication_failed});
  BOOST_TEST(no.reply() == "[AUTHENTICATIONFAILED] Authentication failed.");
  imap_backend_login down =
      check("NO [UNAVAILABLE]: try the other member", client(),
            greeting + "A2 NO [UNAVAILABLE] Internal error\r\n",
            {login, verdict::backend_error, 0, mail_errc::backend_unavailable});
  BOOST_TEST(down.reply() == "[UNAVAILABLE] Internal error");
  check("BAD to our login", client(), greeting + "A2 BAD Error in IMAP command\r\n",
        {login, verdict::backend_error, 0, mail_errc::backend_unexpected_reply});
  check("BYE greeting", client(), "* BYE Too many connections\r\n",
        {"", verdict::backend_error, 0, mail_errc::backend_bye});
  check("BYE during login", client(), greeting + "* BYE Shutting down\r\nA2 OK x\r\n",
        {login, verdict::backend_error, 9, mail_errc::backend_bye});
  check("PREAUTH greeting", client(), "* PREAUTH [CAPABILITY IMAP4rev1] hello\r\n",
        {"", verdict::backend_error, 0, mail_errc::backend_unexpected_reply});
  check("garbage", client(), "HTTP/1.1 400 Bad Request\r\n",
        {"", verdict::backend_error, 0, mail_errc::backend_malformed_reply});
  check("a response code without its ']'", client(), "* OK [CAPABILITY IMAP4rev1\r\n",
        {"", verdict::backend_error, 0, mail_errc::backend_malformed_reply});
  check("closed after the greeting", client(), greeting,
        {login, verdict::backend_error, 0, mail_errc::backend_closed});
  check("closed with half a line", client(), greeting + "A2 O",
        {login, verdict::backend_error, 0, mail_errc::backend_closed});
  check("a tag we did not send", client(), greeting + "A9 OK x\r\n",
        {login, verdict::backend_error, 0, mail_errc::backend_unexpected_reply});
  check("a second challenge", client(), greeting + "+ more?\r\n",
        {login, verdict::backend_error, 0, mail_errc::backend_unexpected_reply});
  check("CAPABILITY refused before login", client(), "* OK hi\r\nA0 NO no\r\n",
        {"A0 CAPABILITY\r\n", verdict::backend_error, 0, mail_errc::backend_unexpected_reply});
  mail_limits small;
  small.max_line = 40;
  check("a line over max_line", client(), "* OK " + std::string(60, 'x') + "\r\n",
        {"", verdict::backend_error, any_left, mail_errc::backend_line_too_long}, small);
}

BOOST_AUTO_TEST_CASE(no_usable_mechanism_is_a_backend_error) {
  backend_login_settings master = client();
  master.master_user = "master";
  check("master user needs PLAIN", master, "* OK [CAPABILITY IMAP4rev1 SASL-IR] x\r\n",
        {"", verdict::backend_error, 0, mail_errc::backend_no_usable_mechanism});
  check("LOGINDISABLED and no PLAIN", client(),
        "* OK [CAPABILITY IMAP4rev1 LOGINDISABLED AUTH=GSSAPI] x\r\n",
        {"", verdict::backend_error, 0, mail_errc::backend_no_usable_mechanism});
}

BOOST_AUTO_TEST_CASE(nothing_is_taken_after_the_verdict) {
  imap_backend_login d(client());
  std::string_view in = dovecot_greeting;
  d.on_backend_data(in);
  std::string_view rest = "A1 OK x\r\nA2 NO [AUTHENTICATIONFAILED] no\r\nA3 OK more\r\n";
  BOOST_TEST((d.on_backend_data(rest).outcome == verdict::auth_failed));
  BOOST_TEST(rest == "A3 OK more\r\n");
  BOOST_TEST(d.on_backend_data(rest).to_backend.empty());
  BOOST_TEST(rest == "A3 OK more\r\n");
  BOOST_TEST((d.on_backend_closed().outcome == verdict::pending));  // already decided
  BOOST_TEST((d.verdict() == verdict::auth_failed));
}

BOOST_AUTO_TEST_SUITE_END()
