#pragma once
// One IMAP client connection up to its login (RFC 3501 not-authenticated state, with
// STARTTLS (RFC 2595 §3.1), SASL PLAIN (RFC 4616) with SASL-IR (RFC 4959), ID (RFC 2971) and
// LITERAL+/LITERAL- (RFC 7888)). Pure: bytes and outcomes in, prelogin_steps out.
//
// A shell drives it so:
//   write(core.greeting());
//   on readable: buf += read();  sv in = buf;  step = core.on_client_data(in);
//                buf.erase(0, buf.size() - in.size());  act(step);
//   act(step): write step.to_client; [timer step.delay] write step.to_client_after_delay; then
//              step.start_tls -> handshake, core.tls_started() (its step is empty today)
//              step.login     -> backend login (imap_backend_login), then one of
//                                core.login_succeeded(caps) / login_failed(text) /
//                                login_unavailable()
//              step.close     -> close once written
//   Feed again (with what is left in buf) while core.wants_client_data(); once logged_in(),
//   what is left in buf belongs to the backend: splice.
// on_client_data() answers every command it can by itself and stops after a step that needs
// the shell (login, start_tls, close, a delayed answer), leaving the bytes after that command
// unread.
//
// Answers, and why:
// - A command valid only after login (SELECT, FETCH, ...) gets a tagged BAD, as an unknown one
//   does: RFC 3501 §7.1.3 makes BAD the answer to a protocol-level error in the command, and
//   a command outside its state is one; NO (§7.1.2) is for a valid command that failed. Dovecot
//   answers so too. Every BAD (and NO for a mechanism we lack) counts toward max_bad_commands.
// - Passwords on a connection without TLS, when not allowed: LOGINDISABLED and no AUTH=PLAIN
//   in the capabilities (RFC 3501 §6.2.3, RFC 2595 §3.2); LOGIN and AUTHENTICATE PLAIN get
//   NO [PRIVACYREQUIRED] (RFC 5530), before any continuation is offered (a LOGIN with a
//   synchronising literal is refused at its first "{N}", before the password is sent).
// - A failed login (the backend's NO, kept with its response code, or ours for a malformed
//   name or PLAIN message) waits mail_limits::failure_delay(n); the max_failed_logins-th is
//   followed by "* BYE" and the close. A backend that cannot be reached is NO [UNAVAILABLE]
//   and not counted: it is not the client's failure.
// - Bytes after STARTTLS are dropped, never run as commands after the handshake.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/proxy/mail/imap_command_reader.hpp"
#include "actors/proxy/mail/login_request.hpp"
#include "actors/proxy/mail/mail_errc.hpp"
#include "actors/proxy/mail/mail_limits.hpp"
#include "actors/proxy/mail/mail_prelogin_settings.hpp"
#include "actors/proxy/mail/prelogin_step.hpp"

namespace hamesh::proxy::mail {

class imap_prelogin {
 public:
  // RFC 2971 §3.3: at most 30 pairs, fields of 30 octets, values of 1024. Beyond: BAD.
  static constexpr size_t max_id_pairs = 30;
  static constexpr size_t max_id_field = 30;
  static constexpr size_t max_id_value = 1024;

  explicit imap_prelogin(mail_prelogin_settings settings, mail_limits limits = {});

  // "* OK [CAPABILITY ...] <greeting>": the first bytes to write.
  prelogin_step greeting() const;
  // Client bytes: see the header comment. Takes nothing while !wants_client_data(), except
  // while TLS is pending: then every byte is taken and dropped.
  prelogin_step on_client_data(std::string_view& input);
  // The TLS handshake after STARTTLS is done: the connection is secure from now on.
  prelogin_step tls_started();

  // The outcome of the login the last step asked for (ignored at any other time).
  // The backend's post-login capabilities (imap_backend_login::capabilities()), answered as
  // "tag OK [CAPABILITY ...] Logged in" so the client need not ask again.
  prelogin_step login_succeeded(std::string_view backend_capabilities);
  // The backend's NO text, response code included ("[AUTHENTICATIONFAILED] ..."), answered
  // as "tag NO <text>"; empty: our own "[AUTHENTICATIONFAILED] Authentication failed."
  prelogin_step login_failed(std::string_view backend_reply);
  // No backend could answer: "tag NO [UNAVAILABLE] ...", not counted as a failure.
  prelogin_step login_unavailable();

  bool wants_client_data() const;
  bool logged_in() const { return phase_ == phase::logged_in; }
  bool closed() const { return phase_ == phase::closed; }
  bool secure() const { return secure_; }
  // The capability list as it stands (STARTTLS and LOGINDISABLED follow secure()).
  std::string capabilities() const;
  unsigned failed_logins() const { return failed_logins_; }
  unsigned bad_commands() const { return bad_commands_; }
  // Why the core closed the connection (none for LOGOUT, or while open).
  mail_errc close_reason() const { return close_reason_; }
  // Why the last refused command or failed login was refused, for counters and logs.
  mail_errc last_refusal() const { return last_refusal_; }
  // The client's last ID parameters (RFC 2971), NIL values left out.
  const std::vector<std::pair<std::string, std::string>>& client_id() const { return client_id_; }

 private:
  enum class phase { reading, sasl_response, login_pending, tls_pending, logged_in, closed };

  bool plaintext_allowed() const { return secure_ || settings_.allow_plaintext_auth; }
  size_t max_non_sync_literal() const;
  static bool needs_shell(const prelogin_step& step);

  void on_command(const imap_command& c, prelogin_step& step, std::string_view& input);
  void on_id(const imap_command& c, prelogin_step& step);
  void on_starttls(const imap_command& c, prelogin_step& step, std::string_view& input);
  void on_login(const imap_command& c, prelogin_step& step);
  void on_authenticate(const imap_command& c, prelogin_step& step);
  void on_sasl_response(const std::string& line, prelogin_step& step);
  void on_plain_message(std::string_view message, prelogin_step& step);
  void on_continuation(prelogin_step& step);
  void on_refused_literal(prelogin_step& step);
  void on_fatal(prelogin_step& step);
  void start_login(login_request::mechanism how, std::string authzid, std::string authcid,
                   std::string password, prelogin_step& step);
  void fail_login(std::string_view text, mail_errc reason, prelogin_step& step);
  void bad_command(const std::string& tag, mail_errc reason, std::string_view text,
                   prelogin_step& step);
  void close(mail_errc reason, prelogin_step& step);

  mail_prelogin_settings settings_;
  mail_limits limits_;
  imap_command_reader reader_;
  phase phase_ = phase::reading;
  bool secure_;
  std::string pending_tag_;  // of the AUTHENTICATE or LOGIN in progress
  unsigned failed_logins_ = 0;
  unsigned bad_commands_ = 0;
  mail_errc close_reason_ = mail_errc::none;
  mail_errc last_refusal_ = mail_errc::none;
  std::vector<std::pair<std::string, std::string>> client_id_;
};

}  // namespace hamesh::proxy::mail
