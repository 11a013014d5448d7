#include "actors/proxy/mail/pop3_prelogin.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include "actors/proxy/mail/mail_text.hpp"
#include "actors/proxy/mail/sasl_plain_message.hpp"
#include "runtime/base64.hpp"

namespace hamesh::proxy::mail {
namespace {

// RFC 1939 §5 and §7: commands of the TRANSACTION state.
constexpr std::string_view transaction_commands[] = {"STAT", "LIST", "RETR", "DELE", "NOOP",
                                                     "RSET", "TOP",  "UIDL", "LAST"};

bool is_transaction_command(std::string_view keyword) {
  return std::find(std::begin(transaction_commands), std::end(transaction_commands), keyword) !=
         std::end(transaction_commands);
}

constexpr std::string_view plaintext_refusal =
    "-ERR [AUTH] Plaintext authentication disallowed on non-secure connections.";

}  // namespace

pop3_prelogin::pop3_prelogin(mail_prelogin_settings settings, mail_limits limits)
    : settings_(std::move(settings)),
      limits_(limits),
      lines_(limits_.max_line),
      secure_(settings_.tls_active) {}

prelogin_step pop3_prelogin::greeting() const {
  prelogin_step step;
  step.to_client = "+OK " + reply_text(settings_.greeting) + "\r\n";
  return step;
}

std::string pop3_prelogin::capabilities() const {
  std::string caps;
  if (plaintext_allowed()) caps += "USER\r\nSASL PLAIN\r\n";
  if (settings_.tls_available && !secure_) caps += "STLS\r\n";
  // RFC 2449 §6.4 and RFC 3206 §6: our -ERRs carry [AUTH] and [SYS/TEMP].
  caps += "RESP-CODES\r\nAUTH-RESP-CODE\r\n";
  std::string implementation = reply_text(settings_.pop3_implementation);
  if (!implementation.empty()) caps += "IMPLEMENTATION " + implementation + "\r\n";
  return caps;
}

bool pop3_prelogin::wants_client_data() const {
  return phase_ == phase::reading || phase_ == phase::sasl_response;
}

prelogin_step pop3_prelogin::on_client_data(std::string_view& input) {
  prelogin_step step;
  if (phase_ == phase::tls_pending) {
    // Plaintext after STLS, before the handshake: an injection, never a command.
    input.remove_prefix(input.size());
    return step;
  }
  while (wants_client_data()) {
    switch (lines_.next(input)) {
      case mail_line_reader::status::need_more:
        return step;
      case mail_line_reader::status::too_long:
        step.to_client += "-ERR Line too long.\r\n";
        close(mail_errc::line_too_long, step);
        return step;
      case mail_line_reader::status::line:
        if (phase_ == phase::sasl_response) {
          on_sasl_response(lines_.line(), step);
        } else {
          on_line(lines_.line(), step, input);
        }
        break;
    }
    // After an answer held for a delay nothing more may go in the step: it would be written first.
    if (step.start_tls || step.login || step.close || step.delay > duration::zero() ||
        !step.to_client_after_delay.empty())
      break;
  }
  return step;
}

prelogin_step pop3_prelogin::tls_started() {
  prelogin_step step;
  if (phase_ != phase::tls_pending) return step;
  secure_ = true;
  phase_ = phase::reading;
  lines_.reset();
  // RFC 2595 §4: no new greeting; the client asks CAPA again.
  return step;
}

void pop3_prelogin::close(mail_errc reason, prelogin_step& step) {
  phase_ = phase::closed;
  close_reason_ = reason;
  step.close = true;
}

void pop3_prelogin::bad_command(mail_errc reason, std::string_view text, prelogin_step& step) {
  step.to_client.append(text.data(), text.size());
  step.to_client += "\r\n";
  last_refusal_ = reason;
  if (++bad_commands_ >= limits_.max_bad_commands) close(mail_errc::too_many_bad_commands, step);
}

void pop3_prelogin::on_line(const std::string& line, prelogin_step& step, std::string_view& input) {
  bool had_user = have_user_;
  have_user_ = false;  // RFC 1939 §7: PASS only right after USER
  // RFC 1939 §3: printable keywords and arguments; no CTL can reach a backend or a log.
  for (unsigned char c : line)
    if (c < 0x20 || c == 0x7f)
      return bad_command(mail_errc::bad_syntax, "-ERR Invalid characters in command.", step);
  size_t space = line.find(' ');
  std::string keyword = ascii_upper(std::string_view(line).substr(0, space));
  std::string_view args =
      space == std::string::npos ? std::string_view() : std::string_view(line).substr(space + 1);
  bool has_args = space != std::string::npos;

  if (keyword == "CAPA") {
    if (has_args) return bad_command(mail_errc::bad_syntax, "-ERR Unexpected arguments.", step);
    step.to_client += "+OK Capability list follows\r\n" + capabilities() + ".\r\n";
    return;
  }
  if (keyword == "QUIT") {
    if (has_args) return bad_command(mail_errc::bad_syntax, "-ERR Unexpected arguments.", step);
    step.to_client += "+OK Logging out.\r\n";  // RFC 1939 §4: QUIT before login just closes
    return close(mail_errc::none, step);
  }
  if (keyword == "STLS") {
    if (has_args) return bad_command(mail_errc::bad_syntax, "-ERR Unexpected arguments.", step);
    if (secure_)
      return bad_command(mail_errc::tls_already_active, "-ERR TLS is already active.", step);
    if (!settings_.tls_available)
      return bad_command(mail_errc::tls_not_available, "-ERR TLS support is not enabled.", step);
    step.to_client += "+OK Begin TLS negotiation now.\r\n";
    step.start_tls = true;
    phase_ = phase::tls_pending;
    // Bytes after STLS came in plaintext: dropped, never read after TLS (CVE-2011-0411).
    input.remove_prefix(input.size());
    return;
  }
  if (keyword == "USER") {
    if (!plaintext_allowed())
      return bad_command(mail_errc::plaintext_disallowed, plaintext_refusal, step);
    if (args.empty())
      return bad_command(mail_errc::bad_syntax, "-ERR USER needs a user name.", step);
    user_ = std::string(args);
    have_user_ = true;
    step.to_client += "+OK\r\n";
    return;
  }
  if (keyword == "PASS") {
    if (!plaintext_allowed())
      return bad_command(mail_errc::plaintext_disallowed, plaintext_refusal, step);
    if (!had_user) return bad_command(mail_errc::no_user_given, "-ERR No user name given.", step);
    // RFC 1939 §7: the whole rest of the line, spaces included, is the password.
    if (args.empty())
      return bad_command(mail_errc::bad_syntax, "-ERR PASS needs a password.", step);
    return start_login(login_request::mechanism::login, {}, std::move(user_), std::string(args),
                       step);
  }
  if (keyword == "AUTH") return on_auth(has_args ? args : std::string_view(), step);
  if (is_transaction_command(keyword))
    return bad_command(mail_errc::command_not_allowed, "-ERR Command not allowed before login.",
                       step);
  bad_command(mail_errc::unknown_command, "-ERR Unknown command.", step);
}

void pop3_prelogin::on_auth(std::string_view args, prelogin_step& step) {
  if (args.empty()) {
    // A bare AUTH lists the mechanisms (RFC 1734's form, which clients still send).
    step.to_client += plaintext_allowed() ? "+OK\r\nPLAIN\r\n.\r\n" : "+OK\r\n.\r\n";
    return;
  }
  // RFC 5034 §4: AUTH SP mechanism [SP initial-response].
  size_t space = args.find(' ');
  std::string mechanism = ascii_upper(args.substr(0, space));
  std::string_view response =
      space == std::string_view::npos ? std::string_view() : args.substr(space + 1);
  if (space != std::string_view::npos &&
      (response.empty() || response.find(' ') != std::string_view::npos))
    return bad_command(mail_errc::bad_syntax, "-ERR Invalid AUTH arguments.", step);
  if (mechanism != "PLAIN")
    return bad_command(mail_errc::unsupported_mechanism,
                       "-ERR Unsupported authentication mechanism.", step);
  if (!plaintext_allowed())
    return bad_command(mail_errc::plaintext_disallowed, plaintext_refusal, step);
  if (space == std::string_view::npos) {
    step.to_client += "+ \r\n";  // PLAIN has no challenge (RFC 4616 §2)
    phase_ = phase::sasl_response;
    return;
  }
  if (response == "=") return on_plain_message({}, step);  // RFC 5034 §4: empty response
  std::optional<std::string> message = base64_decode(response);
  if (!message)
    return bad_command(mail_errc::bad_base64, "-ERR Invalid base64 data in initial response.",
                       step);
  on_plain_message(*message, step);
}

void pop3_prelogin::on_sasl_response(const std::string& line, prelogin_step& step) {
  phase_ = phase::reading;
  // RFC 5034 §4: "*" cancels, and the server MUST answer -ERR.
  if (line == "*")
    return bad_command(mail_errc::authentication_cancelled, "-ERR Authentication cancelled.", step);
  std::optional<std::string> message = base64_decode(line);
  if (!message) return bad_command(mail_errc::bad_base64, "-ERR Invalid base64 data.", step);
  on_plain_message(*message, step);
}

void pop3_prelogin::on_plain_message(std::string_view message, prelogin_step& step) {
  std::optional<sasl_plain_message> m = parse_sasl_plain_message(message);
  if (!m) return fail_login({}, mail_errc::bad_sasl_message, step);
  start_login(login_request::mechanism::plain, std::move(m->authzid), std::move(m->authcid),
              std::move(m->passwd), step);
}

void pop3_prelogin::start_login(login_request::mechanism how, std::string authzid,
                                std::string authcid, std::string password, prelogin_step& step) {
  mail_errc why = mail_errc::none;
  std::optional<login_request> request =
      make_login_request(how, std::move(authzid), std::move(authcid), std::move(password), why);
  if (!request) return fail_login({}, why, step);
  step.login = std::move(request);
  phase_ = phase::login_pending;
}

void pop3_prelogin::fail_login(std::string_view text, mail_errc reason, prelogin_step& step) {
  phase_ = phase::reading;
  std::string reply = reply_text(text);
  if (reply.empty()) reply = "[AUTH] Authentication failed.";
  // Only the failure waits: a continuation already in the step goes out at once.
  step.delay = limits_.failure_delay(++failed_logins_);
  step.to_client_after_delay += "-ERR " + reply + "\r\n";
  last_refusal_ = reason;
  if (failed_logins_ >= limits_.max_failed_logins) close(mail_errc::too_many_failed_logins, step);
}

prelogin_step pop3_prelogin::login_succeeded(std::string_view backend_text) {
  prelogin_step step;
  if (phase_ != phase::login_pending) return step;
  phase_ = phase::logged_in;
  std::string text = reply_text(backend_text);
  step.to_client = "+OK " + (text.empty() ? std::string("Logged in.") : text) + "\r\n";
  return step;
}

prelogin_step pop3_prelogin::login_failed(std::string_view backend_reply) {
  prelogin_step step;
  if (phase_ != phase::login_pending) return step;
  fail_login(backend_reply, mail_errc::authentication_failed, step);
  return step;
}

prelogin_step pop3_prelogin::login_unavailable() {
  prelogin_step step;
  if (phase_ != phase::login_pending) return step;
  phase_ = phase::reading;
  step.to_client = "-ERR [SYS/TEMP] Mail server temporarily unavailable, try again later.\r\n";
  return step;
}

}  // namespace hamesh::proxy::mail
