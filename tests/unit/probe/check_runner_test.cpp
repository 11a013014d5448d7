// The check runner against real servers on 127.0.0.1, started by each test and stopped by
// RAII: every kind's happy path, its refusals, and a server that never answers, which must
// cost the timeout and no more.
#include "actors/probe/check_runner.hpp"

#include <openssl/ssl.h>

#include <boost/test/unit_test.hpp>
#include <functional>

#include "actors/probe/icmp_echo.hpp"
#include "tests/unit/probe/loopback_server.hpp"
#include "tests/unit/probe/test_certificate.hpp"

using namespace hamesh::probe;
using probe_test::loopback_server;
using probe_test::test_certificate;
using clock_type = std::chrono::steady_clock;

namespace {

check_settings settings(check_kind kind, uint16_t port) {
  check_settings s;
  s.kind = kind;
  s.host = "127.0.0.1";
  s.port = port;
  s.timeout = std::chrono::seconds(3);
  return s;
}

long long ms_since(clock_type::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start).count();
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

check_result run(const check_settings& s) {
  return run_check(s, clock_type::now() + s.timeout);
}

// An HTTP server that records the request head and answers with `response`, then closes.
loopback_server::handler http_answer(std::string response) {
  return [response](int fd, loopback_server& self) {
    std::string request = loopback_server::read_until(fd, "\r\n\r\n");
    self.capture(request);
    if (!request.empty()) loopback_server::send_all(fd, response);
    return false;
  };
}

// The same over TLS, with the certificate's server context.
loopback_server::handler https_answer(SSL_CTX* context, std::string response) {
  return [context, response](int fd, loopback_server& self) {
    SSL* ssl = SSL_new(context);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      std::string request;
      char c;
      while (request.size() < 4 || request.compare(request.size() - 4, 4, "\r\n\r\n") != 0) {
        if (SSL_read(ssl, &c, 1) != 1) break;
        request += c;
      }
      self.capture(request);
      SSL_write(ssl, response.data(), static_cast<int>(response.size()));
      SSL_shutdown(ssl);
    } else {
      self.capture("handshake failed");
    }
    SSL_free(ssl);
    return false;
  };
}

// A line-based mail server: for each step, read one line from the client (unless the step
// expects none) and record it, then send the step's answer. Stops when the client leaves.
struct mail_step {
  bool read_line;
  std::string answer;
};

loopback_server::handler mail_script(std::vector<mail_step> steps) {
  return [steps](int fd, loopback_server& self) {
    for (const auto& step : steps) {
      if (step.read_line) {
        std::string line = loopback_server::read_until(fd, "\r\n");
        if (line.empty()) break;
        self.capture(line);
      }
      if (!loopback_server::send_all(fd, step.answer)) break;
    }
    return false;
  };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(check_runner_tests)

BOOST_AUTO_TEST_CASE(tcp_check_passes_when_the_port_accepts) {
  loopback_server server([](int, loopback_server&) { return false; });
  auto r = run(settings(check_kind::tcp, server.port()));
  BOOST_TEST(r.ok, r.detail);
  BOOST_TEST(r.latency.count() > 0);
}

BOOST_AUTO_TEST_CASE(tcp_check_fails_with_connection_refused) {
  // A bound socket that never listens: its port answers a SYN with a reset.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof a;
  BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  BOOST_REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size) == 0);
  auto r = run(settings(check_kind::tcp, ntohs(a.sin_port)));
  ::close(fd);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.detail == "connect: Connection refused");
}

BOOST_AUTO_TEST_CASE(an_unresolvable_host_fails_with_the_resolver_reason) {
  auto s = settings(check_kind::tcp, 80);
  s.host = "no-such-host.invalid";
  auto r = run(s);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.detail.rfind("resolve no-such-host.invalid: ", 0) == 0, r.detail);
}

BOOST_AUTO_TEST_CASE(script_checks_are_left_to_the_actor) {
  auto s = settings(check_kind::script, 0);
  s.command = {"/bin/true"};
  auto r = run(s);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.detail.find("probe actor") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(http_200_passes_and_sends_the_host_header_with_a_non_default_port) {
  loopback_server server(http_answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
  auto s = settings(check_kind::http, server.port());
  s.path = "/health?full=1";
  auto r = run(s);
  BOOST_TEST(r.ok, r.detail);
  BOOST_TEST(r.detail == "200 OK");
  BOOST_TEST(server.captured() ==
             "GET /health?full=1 HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
                 "\r\nUser-Agent: hamesh-probe\r\nConnection: close\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(http_host_header_setting_replaces_the_default) {
  loopback_server server(http_answer("HTTP/1.0 204 No Content\r\n\r\n"));
  auto s = settings(check_kind::http, server.port());
  s.host_header = "www.example.test";
  auto r = run(s);
  BOOST_TEST(r.ok, r.detail);
  BOOST_TEST(server.captured().find("\r\nHost: www.example.test\r\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(http_503_fails_naming_the_status_and_the_accepted_ranges) {
  loopback_server server(
      http_answer("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"));
  auto r = run(settings(check_kind::http, server.port()));
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.detail == "HTTP 503 (expected 200-399)");
}

BOOST_AUTO_TEST_CASE(http_status_ranges_can_accept_an_error_code) {
  loopback_server server(
      http_answer("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"));
  auto s = settings(check_kind::http, server.port());
  s.status = {{200, 200}, {500, 503}};
  BOOST_TEST(run(s).ok);
}

BOOST_AUTO_TEST_CASE(http_digest_match_passes_and_mismatch_fails) {
  // md5("hello") = 5d41402abc4b2a76b9719d911017c592 (RFC 1321's algorithm, well-known value)
  const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  {
    loopback_server server(http_answer(response));
    auto s = settings(check_kind::http, server.port());
    s.digest = "5d41402abc4b2a76b9719d911017c592";
    auto r = run(s);
    BOOST_TEST(r.ok, r.detail);
  }
  {
    loopback_server server(http_answer(response));
    auto s = settings(check_kind::http, server.port());
    s.digest = "00000000000000000000000000000000";
    auto r = run(s);
    BOOST_TEST(!r.ok);
    BOOST_TEST(r.detail ==
               "digest mismatch: HTTP 200 body MD5 is 5d41402abc4b2a76b9719d911017c592");
  }
}

BOOST_AUTO_TEST_CASE(http_digest_covers_a_chunked_body_without_its_framing) {
  loopback_server server(http_answer(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n3;x=y\r\nllo\r\n0\r\n\r\n"));
  auto s = settings(check_kind::http, server.port());
  s.digest = "5d41402abc4b2a76b9719d911017c592";
  auto r = run(s);
  BOOST_TEST(r.ok, r.detail);
}

BOOST_AUTO_TEST_CASE(http_garbage_fails_as_a_bad_response) {
  loopback_server server(http_answer("SSH-2.0-OpenSSH\r\n"));
  auto r = run(settings(check_kind::http, server.port()));
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.detail.rfind("bad response: bad status line", 0) == 0, r.detail);
}

BOOST_AUTO_TEST_CASE(a_hung_http_server_fails_with_a_timeout_within_the_deadline) {
  loopback_server server([](int, loopback_server&) { return true; });  // accepts, never answers
  auto s = settings(check_kind::http, server.port());
  s.timeout = std::chrono::milliseconds(300);
  auto start = clock_type::now();
  auto r = run(s);
  auto took = ms_since(start);
  BOOST_TEST(!r.ok);
  // The budget in the reason is the time from start to deadline, which a busy machine can
  // shave by a millisecond; the words are what matter.
  BOOST_TEST(r.detail.rfind("timeout after ", 0) == 0, r.detail);
  BOOST_TEST(ends_with(r.detail, "ms waiting for the status line"), r.detail);
  // Only an upper bound, and a generous one: the deadline plus scheduling noise.
  BOOST_TEST(took < 800);
}

BOOST_AUTO_TEST_CASE(a_hung_https_server_fails_with_a_timeout_in_the_handshake) {
  loopback_server server([](int, loopback_server&) { return true; });
  auto s = settings(check_kind::https, server.port());
  s.timeout = std::chrono::milliseconds(300);
  auto start = clock_type::now();
  auto r = run(s);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.detail.rfind("timeout after ", 0) == 0, r.detail);
  BOOST_TEST(ends_with(r.detail, "ms waiting for the TLS handshake"), r.detail);
  BOOST_TEST(ms_since(start) < 800);
}

BOOST_AUTO_TEST_CASE(https_passes_without_verification_and_sends_sni) {
  test_certificate cert("probe.test");
  loopback_server server(
      https_answer(cert.server_context(), "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  auto s = settings(check_kind::https, server.port());
  auto r = run(s);
  BOOST_TEST(r.ok, r.detail);
  BOOST_TEST(server.captured().find("Host: 127.0.0.1:") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(https_with_verification_passes_for_the_certificate_name) {
  test_certificate cert("probe.test");
  loopback_server server(
      https_answer(cert.server_context(), "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  auto s = settings(check_kind::https, server.port());
  s.tls_verify = true;
  s.ca_file = cert.pem_path();
  s.host_header = "probe.test";
  auto r = run(s);
  BOOST_TEST(r.ok, r.detail);
}

BOOST_AUTO_TEST_CASE(https_with_verification_checks_a_numeric_host_against_the_ip_san) {
  test_certificate cert("probe.test");
  loopback_server server(
      https_answer(cert.server_context(), "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  auto s = settings(check_kind::https, server.port());
  s.tls_verify = true;
  s.ca_file = cert.pem_path();
  auto r = run(s);
  BOOST_TEST(r.ok, r.detail);
}

BOOST_AUTO_TEST_CASE(https_with_verification_fails_for_another_name) {
  test_certificate cert("probe.test");
  loopback_server server(
      https_answer(cert.server_context(), "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  auto s = settings(check_kind::https, server.port());
  s.tls_verify = true;
  s.ca_file = cert.pem_path();
  s.sni = "other.test";
  auto r = run(s);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.detail == "tls: certificate verify failed: hostname mismatch");
}

BOOST_AUTO_TEST_CASE(https_with_verification_fails_for_an_untrusted_certificate) {
  test_certificate cert("probe.test");
  test_certificate stranger("probe.test");
  loopback_server server(
      https_answer(cert.server_context(), "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  auto s = settings(check_kind::https, server.port());
  s.tls_verify = true;
  s.ca_file = stranger.pem_path();
  s.sni = "probe.test";
  auto r = run(s);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.detail.rfind("tls: certificate verify failed: ", 0) == 0, r.detail);
}

BOOST_AUTO_TEST_CASE(smtp_passes_on_a_220_banner_and_a_250_ehlo) {
  loopback_server server(mail_script({{false, "220 mail.test ESMTP\r\n"},
                                      {true, "250-mail.test\r\n250 PIPELINING\r\n"},
                                      {true, "221 2.0.0 bye\r\n"}}));
  auto s = settings(check_kind::smtp, server.port());
  s.helo_name = "lb1.test";
  auto r = run(s);
  BOOST_TEST(r.ok, r.detail);
  BOOST_TEST(r.detail == "banner 220 mail.test ESMTP");
  BOOST_TEST(server.captured().rfind("EHLO lb1.test\r\n", 0) == 0);
}

BOOST_AUTO_TEST_CASE(smtp_fails_on_a_554_banner_with_its_text) {
  loopback_server server(mail_script({{false, "554 5.3.2 not accepting mail\r\n"}}));
  auto r = run(settings(check_kind::smtp, server.port()));
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.detail == "banner 554 5.3.2 not accepting mail");
}

BOOST_AUTO_TEST_CASE(smtp_fails_when_ehlo_is_refused) {
  loopback_server server(mail_script({{false, "220 hi\r\n"}, {true, "502 5.5.1 no EHLO\r\n"}}));
  auto r = run(settings(check_kind::smtp, server.port()));
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.detail == "EHLO answered 502 5.5.1 no EHLO");
}

BOOST_AUTO_TEST_CASE(imap_passes_on_an_ok_greeting) {
  loopback_server server(mail_script({{false, "* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n"},
                                      {true, "* BYE Logging out\r\na1 OK Logout completed.\r\n"}}));
  auto r = run(settings(check_kind::imap, server.port()));
  BOOST_TEST(r.ok, r.detail);
  BOOST_TEST(r.detail == "greeting * OK [CAPABILITY IMAP4rev1] Dovecot ready.");
}

BOOST_AUTO_TEST_CASE(imap_fails_on_a_bye_greeting) {
  loopback_server server(mail_script({{false, "* BYE Too many connections\r\n"}}));
  auto r = run(settings(check_kind::imap, server.port()));
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.detail == "greeting * BYE Too many connections");
}

BOOST_AUTO_TEST_CASE(imap_login_passes_on_a_tagged_ok_with_quoted_credentials) {
  loopback_server server(mail_script({{false, "* OK ready\r\n"},
                                      {true, "* CAPABILITY IMAP4rev1\r\na1 OK Logged in\r\n"},
                                      {true, "* BYE\r\na2 OK bye\r\n"}}));
  auto s = settings(check_kind::imap, server.port());
  s.user = "pro\"be";
  s.password = "se\\cret";
  auto r = run(s);
  BOOST_TEST(r.ok, r.detail);
  BOOST_TEST(server.captured().rfind("a1 LOGIN \"pro\\\"be\" \"se\\\\cret\"\r\n", 0) == 0,
             server.captured());
}

BOOST_AUTO_TEST_CASE(imap_login_fails_on_a_tagged_no) {
  loopback_server server(
      mail_script({{false, "* OK ready\r\n"},
                   {true, "a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"}}));
  auto s = settings(check_kind::imap, server.port());
  s.user = "probe";
  s.password = "wrong";
  auto r = run(s);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.detail == "LOGIN refused: a1 NO [AUTHENTICATIONFAILED] Authentication failed.");
}

BOOST_AUTO_TEST_CASE(pop3_passes_on_ok_greeting_and_login) {
  loopback_server server(mail_script({{false, "+OK Dovecot ready.\r\n"},
                                      {true, "+OK\r\n"},
                                      {true, "+OK Logged in.\r\n"},
                                      {true, "+OK Logging out.\r\n"}}));
  auto s = settings(check_kind::pop3, server.port());
  s.user = "probe";
  s.password = "secret";
  auto r = run(s);
  BOOST_TEST(r.ok, r.detail);
  BOOST_TEST(server.captured() == "USER probe\r\nPASS secret\r\nQUIT\r\n");
}

BOOST_AUTO_TEST_CASE(pop3_fails_on_err_with_its_text) {
  {
    loopback_server server(mail_script({{false, "-ERR [SYS/TEMP] try later\r\n"}}));
    auto r = run(settings(check_kind::pop3, server.port()));
    BOOST_TEST(!r.ok);
    BOOST_TEST(r.detail == "greeting -ERR [SYS/TEMP] try later");
  }
  {
    loopback_server server(mail_script({{false, "+OK ready\r\n"},
                                        {true, "+OK\r\n"},
                                        {true, "-ERR [AUTH] Authentication failed.\r\n"}}));
    auto s = settings(check_kind::pop3, server.port());
    s.user = "probe";
    s.password = "wrong";
    auto r = run(s);
    BOOST_TEST(!r.ok);
    BOOST_TEST(r.detail == "PASS refused: -ERR [AUTH] Authentication failed.");
  }
}

BOOST_AUTO_TEST_CASE(credentials_with_line_breaks_are_never_sent) {
  loopback_server server(mail_script({{false, "+OK ready\r\n"}, {true, "+OK\r\n"}}));
  auto s = settings(check_kind::pop3, server.port());
  s.user = "probe\r\nDELE 1";
  auto r = run(s);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.detail == "user or password contains a line break");
}

BOOST_AUTO_TEST_CASE(icmp_echo_to_loopback_gets_its_reply) {
  auto r = run(settings(check_kind::icmp, 0));
  if (!r.ok && r.detail.rfind("no ICMP socket", 0) == 0) {
    BOOST_TEST_MESSAGE("icmp check skipped: " << r.detail);
    return;
  }
  BOOST_TEST(r.ok, r.detail);
  BOOST_TEST(r.detail == "echo reply from 127.0.0.1");
}

BOOST_AUTO_TEST_CASE(icmp_replies_are_matched_on_sequence_payload_and_checksum) {
  std::string request = encode_echo_request(7, 42, "payload!");
  std::string reply = request;
  reply[0] = 0;                                         // echo reply
  reply[2] = static_cast<char>(uint8_t(reply[2]) + 8);  // the type's 8 left the sum
  BOOST_TEST(is_echo_reply(reply, uint16_t(7), 42, "payload!"));
  BOOST_TEST(is_echo_reply(reply, std::nullopt, 42, "payload!"));
  BOOST_TEST(!is_echo_reply(reply, uint16_t(8), 42, "payload!"));
  BOOST_TEST(!is_echo_reply(reply, std::nullopt, 43, "payload!"));
  BOOST_TEST(!is_echo_reply(reply, std::nullopt, 42, "payload?"));
  BOOST_TEST(!is_echo_reply(request, std::nullopt, 42, "payload!"));  // our own request
  reply[9] ^= 1;
  BOOST_TEST(!is_echo_reply(reply, std::nullopt, 42, "payload!"));  // bad checksum
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(check_settings_tests)

BOOST_AUTO_TEST_CASE(the_fingerprint_changes_with_every_field_and_hides_the_password) {
  check_settings base;
  base.password = "hunter2";
  const std::string f = base.fingerprint();
  BOOST_TEST(f.find("hunter2") == std::string::npos);
  std::vector<std::function<void(check_settings&)>> changes = {
      [](check_settings& s) { s.kind = check_kind::http; },
      [](check_settings& s) { s.host = "10.0.0.1"; },
      [](check_settings& s) { s.port = 81; },
      [](check_settings& s) { s.interval = std::chrono::seconds(3); },
      [](check_settings& s) { s.timeout = std::chrono::seconds(2); },
      [](check_settings& s) { s.rise = 1; },
      [](check_settings& s) { s.fall = 1; },
      [](check_settings& s) { s.path = "/x"; },
      [](check_settings& s) { s.host_header = "h"; },
      [](check_settings& s) {
        s.status = {{200, 200}};
      },
      [](check_settings& s) { s.digest = "ab"; },
      [](check_settings& s) { s.tls_verify = true; },
      [](check_settings& s) { s.ca_file = "/etc/ca.pem"; },
      [](check_settings& s) { s.sni = "n"; },
      [](check_settings& s) { s.helo_name = "x"; },
      [](check_settings& s) { s.user = "u"; },
      [](check_settings& s) { s.password = "hunter3"; },
      [](check_settings& s) { s.command = {"/bin/true"}; },
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    check_settings changed = base;
    changes[i](changed);
    BOOST_TEST(changed.fingerprint() != f, "change " << i);
  }
  // Characters cannot move between neighbouring fields unnoticed.
  check_settings a, b;
  a.path = "/a\";host_header=\"";
  b.host_header = "x";
  BOOST_TEST(a.fingerprint() != b.fingerprint());
  BOOST_TEST(std::string(to_string(check_kind::pop3)) == "pop3");
}

BOOST_AUTO_TEST_SUITE_END()
