#pragma once
// The proxy's login at a POP3 backend on a client's behalf, pure: the backend's bytes in,
// commands and a verdict out.
//
//   greeting "+OK ..."
//   CAPA (RFC 2449 §5)                     -ERR: an RFC 1939-only server, no capabilities
//   XCLIENT ADDR=.. PORT=.. [SESSION=..]   when CAPA lists XCLIENT and client_ip is set
//                                          (Dovecot's extension; a -ERR is not fatal)
//   AUTH PLAIN <base64>                    CAPA lists SASL PLAIN, or a master user (RFC 5034;
//                                          without the initial response when the line would
//                                          pass 255 octets, RFC 5034 §4)
//   USER <user> / PASS <password>          otherwise (RFC 1939 §7)
//   +OK                                    logged_in
// One command at a time: no PIPELINING is assumed of the backend.
//
// Verdicts: logged_in (reply() holds the +OK text); auth_failed on -ERR to USER, PASS or
// AUTH, reply() kept for the client with its response code ([AUTH], [IN-USE], RFC 3206 and
// RFC 2449 §8); backend_error when the backend is the problem: a -ERR greeting, -ERR
// [SYS/TEMP] or [SYS/PERM] (RFC 3206 §4: the pair's other member may serve), a malformed or
// unexpected line, a line over max_line, no usable mechanism, or the connection closing.
#include <string>
#include <string_view>

#include "actors/proxy/mail/backend_login_settings.hpp"
#include "actors/proxy/mail/backend_step.hpp"
#include "actors/proxy/mail/mail_errc.hpp"
#include "actors/proxy/mail/mail_limits.hpp"
#include "actors/proxy/mail/mail_line_reader.hpp"

namespace hamesh::proxy::mail {

class pop3_backend_login {
 public:
  // RFC 5034 §4: an AUTH line with its initial response stays within 255 octets, CRLF included.
  static constexpr size_t max_auth_line = 255;

  explicit pop3_backend_login(backend_login_settings settings, mail_limits limits = {});

  backend_step on_backend_data(std::string_view& input);
  backend_step on_backend_closed();

  backend_step::verdict verdict() const { return verdict_; }
  // logged_in: the +OK's text; auth_failed (and a backend_error the backend explained): the
  // -ERR's text, response code included.
  const std::string& reply() const { return reply_; }
  const mail_error& error() const { return error_; }
  // Whether the backend accepted XCLIENT with the client's address.
  bool client_address_forwarded() const { return xclient_accepted_; }

 private:
  enum class phase { greeting, capa, capa_list, xclient, user, pass, auth, done };

  void on_line(const std::string& line, backend_step& step);
  void on_capability(std::string_view line);
  void after_capabilities(backend_step& step);
  void start_auth(backend_step& step);
  void on_auth_reply(std::string_view line, backend_step& step);
  void fail(backend_step::verdict v, mail_errc reason, std::string text, backend_step& step);

  backend_login_settings settings_;
  mail_limits limits_;
  mail_line_reader lines_;
  phase phase_ = phase::greeting;
  backend_step::verdict verdict_ = backend_step::verdict::pending;
  bool sasl_plain_ = false;  // CAPA: SASL ... PLAIN ...
  bool xclient_ = false;     // CAPA: XCLIENT
  bool xclient_accepted_ = false;
  std::string auth_response_;  // AUTH PLAIN's response, when it waits for the "+ " challenge
  std::string reply_;
  mail_error error_;
};

}  // namespace hamesh::proxy::mail
