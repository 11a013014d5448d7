#pragma once
// One POP3 client connection in the AUTHORIZATION state (RFC 1939 §4), with CAPA (RFC 2449),
// STLS (RFC 2595 §4), AUTH PLAIN (RFC 5034, RFC 4616) and the response codes of RFC 2449 §8
// and RFC 3206 ([AUTH], [SYS/TEMP]; a backend's [IN-USE] passes through). Pure, driven like
// imap_prelogin (see there): greeting(), on_client_data(), tls_started(), and the login's
// outcome through login_succeeded / login_failed / login_unavailable.
//
// Answers, and why:
// - TRANSACTION-state commands (STAT, RETR, NOOP, ...: RFC 1939 §5) are not valid here and get
//   -ERR, like unknown ones; each counts toward max_bad_commands. POP3 has no BYE: when a limit
//   closes the connection, the last -ERR is the last line.
// - USER is refused on a connection without TLS when passwords are not allowed there, so the
//   client never sends PASS in the clear; CAPA then lists neither USER nor SASL PLAIN.
// - PASS is taken only right after a successful USER (RFC 1939 §7); any other command in
//   between forgets the user.
// - A failed login waits mail_limits::failure_delay(n); the max_failed_logins-th closes.
#include <string>
#include <string_view>

#include "actors/proxy/mail/login_request.hpp"
#include "actors/proxy/mail/mail_errc.hpp"
#include "actors/proxy/mail/mail_limits.hpp"
#include "actors/proxy/mail/mail_line_reader.hpp"
#include "actors/proxy/mail/mail_prelogin_settings.hpp"
#include "actors/proxy/mail/prelogin_step.hpp"

namespace hamesh::proxy::mail {

class pop3_prelogin {
 public:
  explicit pop3_prelogin(mail_prelogin_settings settings, mail_limits limits = {});

  // "+OK <greeting>": the first bytes to write.
  prelogin_step greeting() const;
  prelogin_step on_client_data(std::string_view& input);
  prelogin_step tls_started();

  // The outcome of the login the last step asked for (ignored at any other time).
  // "+OK <backend's text>" (empty: "+OK Logged in.").
  prelogin_step login_succeeded(std::string_view backend_text = {});
  // "-ERR <backend's text>", response code kept ("[AUTH] ...", "[IN-USE] ..."); empty: ours.
  prelogin_step login_failed(std::string_view backend_reply);
  // "-ERR [SYS/TEMP] ...": no backend could answer; not counted as a failure.
  prelogin_step login_unavailable();

  bool wants_client_data() const;
  bool logged_in() const { return phase_ == phase::logged_in; }
  bool closed() const { return phase_ == phase::closed; }
  bool secure() const { return secure_; }
  // The CAPA lines as they stand, each ending in CRLF, without the status line and the dot.
  std::string capabilities() const;
  unsigned failed_logins() const { return failed_logins_; }
  unsigned bad_commands() const { return bad_commands_; }
  mail_errc close_reason() const { return close_reason_; }
  mail_errc last_refusal() const { return last_refusal_; }

 private:
  enum class phase { reading, sasl_response, login_pending, tls_pending, logged_in, closed };

  bool plaintext_allowed() const { return secure_ || settings_.allow_plaintext_auth; }

  void on_line(const std::string& line, prelogin_step& step, std::string_view& input);
  void on_auth(std::string_view args, prelogin_step& step);
  void on_sasl_response(const std::string& line, prelogin_step& step);
  void on_plain_message(std::string_view message, prelogin_step& step);
  void start_login(login_request::mechanism how, std::string authzid, std::string authcid,
                   std::string password, prelogin_step& step);
  void fail_login(std::string_view text, mail_errc reason, prelogin_step& step);
  void bad_command(mail_errc reason, std::string_view text, prelogin_step& step);
  void close(mail_errc reason, prelogin_step& step);

  mail_prelogin_settings settings_;
  mail_limits limits_;
  mail_line_reader lines_;
  phase phase_ = phase::reading;
  bool secure_;
  std::string user_;  // from the USER just before, for PASS
  bool have_user_ = false;
  unsigned failed_logins_ = 0;
  unsigned bad_commands_ = 0;
  mail_errc close_reason_ = mail_errc::none;
  mail_errc last_refusal_ = mail_errc::none;
};

}  // namespace hamesh::proxy::mail
