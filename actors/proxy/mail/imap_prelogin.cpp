#include "actors/proxy/mail/imap_prelogin.hpp"

#include <algorithm>
#include <optional>

#include "actors/proxy/mail/imap_syntax.hpp"
#include "actors/proxy/mail/mail_text.hpp"
#include "actors/proxy/mail/sasl_plain_message.hpp"
#include "runtime/base64.hpp"

namespace hamesh::proxy::mail {
namespace {

using kind = imap_command::arg::kind;

// Commands of the authenticated and selected states (RFC 3501 §6.3, §6.4) and of the common
// extensions that live there: refused as "not before login" rather than "unknown".
constexpr std::string_view after_login_commands[] = {
    "SELECT",    "EXAMINE",     "CREATE",       "DELETE",   "RENAME",  "SUBSCRIBE", "UNSUBSCRIBE",
    "LIST",      "LSUB",        "STATUS",       "APPEND",   "CHECK",   "CLOSE",     "EXPUNGE",
    "SEARCH",    "FETCH",       "STORE",        "COPY",     "UID",     "IDLE",      "ENABLE",
    "NAMESPACE", "GETQUOTA",    "GETQUOTAROOT", "SETQUOTA", "MOVE",    "UNSELECT",  "GETACL",
    "SETACL",    "DELETEACL",   "LISTRIGHTS",   "MYRIGHTS", "SORT",    "THREAD",    "COMPRESS",
    "NOTIFY",    "GETMETADATA", "SETMETADATA",  "XLIST",    "ESEARCH", "REPLACE"};

bool is_after_login_command(std::string_view name) {
  return std::find(std::begin(after_login_commands), std::end(after_login_commands), name) !=
         std::end(after_login_commands);
}

bool is_astring(const imap_command::arg& a) {
  return a.what == kind::atom || a.what == kind::string;
}

constexpr std::string_view privacy_required =
    "NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure connections.";

std::string tagged(const std::string& tag, std::string_view rest) {
  std::string line = tag.empty() ? "*" : tag;
  line += ' ';
  line.append(rest.data(), rest.size());
  line += "\r\n";
  return line;
}

// The backend's capability list reduced to atoms, so that nothing in it can close the
// response code early or forge a line.
std::string capability_atoms(std::string_view caps) {
  std::string out;
  size_t at = 0;
  while (at < caps.size()) {
    size_t end = caps.find(' ', at);
    if (end == std::string_view::npos) end = caps.size();
    std::string_view word = caps.substr(at, end - at);
    if (is_imap_atom(word)) {
      if (!out.empty()) out += ' ';
      out.append(word.data(), word.size());
    }
    at = end + 1;
  }
  return out;
}

}  // namespace

imap_prelogin::imap_prelogin(mail_prelogin_settings settings, mail_limits limits)
    : settings_(std::move(settings)),
      limits_(limits),
      reader_(limits_, max_non_sync_literal()),
      secure_(settings_.tls_active) {}

size_t imap_prelogin::max_non_sync_literal() const {
  // RFC 7888: LITERAL- allows non-synchronising literals of 4096 bytes at most. Without
  // either extension a client must not send one; if it does, the same bound as LITERAL+
  // applies: reading it as a literal is the only safe way to read it.
  size_t bound = limits_.max_literal;
  if (settings_.imap_literals == mail_prelogin_settings::literal_extension::literal_minus)
    bound = std::min<size_t>(bound, 4096);
  return bound;
}

std::string imap_prelogin::capabilities() const {
  std::string caps = "IMAP4rev1";
  if (settings_.imap_sasl_ir) caps += " SASL-IR";
  if (settings_.imap_id) caps += " ID";
  switch (settings_.imap_literals) {
    case mail_prelogin_settings::literal_extension::none:
      break;
    case mail_prelogin_settings::literal_extension::literal_plus:
      caps += " LITERAL+";
      break;
    case mail_prelogin_settings::literal_extension::literal_minus:
      caps += " LITERAL-";
      break;
  }
  if (settings_.tls_available && !secure_) caps += " STARTTLS";
  // RFC 3501 §6.2.3, RFC 2595 §3.2: no plaintext mechanism is offered where none is allowed.
  caps += plaintext_allowed() ? " AUTH=PLAIN" : " LOGINDISABLED";
  return caps;
}

prelogin_step imap_prelogin::greeting() const {
  prelogin_step step;
  step.to_client =
      "* OK [CAPABILITY " + capabilities() + "] " + reply_text(settings_.greeting) + "\r\n";
  return step;
}

bool imap_prelogin::wants_client_data() const {
  return phase_ == phase::reading || phase_ == phase::sasl_response;
}

bool imap_prelogin::needs_shell(const prelogin_step& step) {
  // After an answer held for a delay nothing more may go in the step: it would be written first.
  return step.start_tls || step.login || step.close || step.delay > duration::zero() ||
         !step.to_client_after_delay.empty();
}

prelogin_step imap_prelogin::on_client_data(std::string_view& input) {
  prelogin_step step;
  if (phase_ == phase::tls_pending) {
    // Plaintext after STARTTLS, before the handshake: an injection, never a command.
    input.remove_prefix(input.size());
    return step;
  }
  while (wants_client_data()) {
    switch (reader_.next(input)) {
      case imap_command_reader::status::need_more:
        return step;
      case imap_command_reader::status::continuation:
        on_continuation(step);
        break;
      case imap_command_reader::status::literal_refused:
        on_refused_literal(step);
        break;
      case imap_command_reader::status::fatal:
        on_fatal(step);
        break;
      case imap_command_reader::status::line:
        on_sasl_response(reader_.line(), step);
        break;
      case imap_command_reader::status::command:
        on_command(reader_.command(), step, input);
        break;
    }
    if (needs_shell(step)) break;
  }
  return step;
}

prelogin_step imap_prelogin::tls_started() {
  prelogin_step step;
  if (phase_ != phase::tls_pending) return step;
  secure_ = true;
  phase_ = phase::reading;
  reader_ = imap_command_reader(limits_, max_non_sync_literal());
  // RFC 3501 §6.2.1: no new greeting; the client asks for the capabilities again.
  return step;
}

void imap_prelogin::close(mail_errc reason, prelogin_step& step) {
  phase_ = phase::closed;
  close_reason_ = reason;
  step.close = true;
}

void imap_prelogin::bad_command(const std::string& tag, mail_errc reason, std::string_view text,
                                prelogin_step& step) {
  step.to_client += tagged(tag, text);
  if (++bad_commands_ >= limits_.max_bad_commands) {
    step.to_client += "* BYE Too many invalid IMAP commands.\r\n";
    close(mail_errc::too_many_bad_commands, step);
  }
  last_refusal_ = reason;
}

void imap_prelogin::on_continuation(prelogin_step& step) {
  // A LOGIN whose password would come in the clear is refused before the client sends it: it
  // waits for this continuation (RFC 3501 §7.5) and gets the NO instead.
  if (!plaintext_allowed() && reader_.pending_name() == "LOGIN") {
    reader_.refuse_literal();
    return bad_command(reader_.pending_tag(), mail_errc::plaintext_disallowed, privacy_required,
                       step);
  }
  step.to_client += "+ OK\r\n";  // ready for the literal
}

void imap_prelogin::on_refused_literal(prelogin_step& step) {
  // The client waits for a continuation it will not get (RFC 3501 §7.5): the tagged BAD ends
  // the command, and the next bytes are a new one.
  const mail_error& e = reader_.error();
  bad_command(reader_.pending_tag(), e.reason,
              e.reason == mail_errc::too_many_literals ? "BAD [LIMIT] Too many literals."
                                                       : "BAD [TOOBIG] Literal too large.",
              step);
}

void imap_prelogin::on_fatal(prelogin_step& step) {
  const mail_error& e = reader_.error();
  switch (e.reason) {
    case mail_errc::literal_too_large:
      step.to_client += tagged(reader_.pending_tag(), "BAD [TOOBIG] Literal too large.");
      step.to_client += "* BYE Connection closed: literal too large.\r\n";
      break;
    case mail_errc::too_many_literals:
      step.to_client += tagged(reader_.pending_tag(), "BAD [LIMIT] Too many literals.");
      step.to_client += "* BYE Connection closed: too many literals.\r\n";
      break;
    default:
      // RFC 3501 §7.1.5: a BYE says the server is about to close; the BAD says why.
      step.to_client += "* BAD Line too long.\r\n* BYE Connection closed: line too long.\r\n";
      break;
  }
  last_refusal_ = e.reason;
  close(e.reason, step);
}

void imap_prelogin::on_command(const imap_command& c, prelogin_step& step,
                               std::string_view& input) {
  const std::string& name = c.name;
  // Commands we do not serve are refused by name, whatever their arguments: "LIST "" *" is
  // not a syntax error, it is a command for later.
  bool ours = name == "CAPABILITY" || name == "NOOP" || name == "LOGOUT" || name == "STARTTLS" ||
              name == "LOGIN" || name == "AUTHENTICATE" || (name == "ID" && settings_.imap_id);
  if (!c.tag.empty() && !name.empty() && !ours) {
    if (is_after_login_command(name))
      return bad_command(c.tag, mail_errc::command_not_allowed,
                         "BAD Command not allowed before login.", step);
    return bad_command(c.tag, mail_errc::unknown_command, "BAD Unknown command.", step);
  }
  if (!c.valid()) return bad_command(c.tag, c.error.reason, "BAD " + c.error.text, step);
  if (name == "CAPABILITY") {
    if (!c.args.empty())
      return bad_command(c.tag, mail_errc::bad_syntax, "BAD Unexpected arguments.", step);
    step.to_client += "* CAPABILITY " + capabilities() + "\r\n";
    step.to_client +=
        tagged(c.tag, "OK Pre-login capabilities listed, post-login capabilities have more.");
    return;
  }
  if (name == "NOOP") {
    if (!c.args.empty())
      return bad_command(c.tag, mail_errc::bad_syntax, "BAD Unexpected arguments.", step);
    step.to_client += tagged(c.tag, "OK NOOP completed.");
    return;
  }
  if (name == "LOGOUT") {
    if (!c.args.empty())
      return bad_command(c.tag, mail_errc::bad_syntax, "BAD Unexpected arguments.", step);
    // RFC 3501 §6.1.3: the untagged BYE, then the tagged OK, then the close.
    step.to_client += "* BYE Logging out.\r\n";
    step.to_client += tagged(c.tag, "OK Logout completed.");
    close(mail_errc::none, step);
    return;
  }
  if (name == "ID") return on_id(c, step);
  if (name == "STARTTLS") return on_starttls(c, step, input);
  if (name == "LOGIN") return on_login(c, step);
  on_authenticate(c, step);
}

void imap_prelogin::on_id(const imap_command& c, prelogin_step& step) {
  // RFC 2971 §4: "ID" SP ( "(" #(string SP nstring) ")" / "NIL" ).
  const auto& a = c.args;
  std::vector<std::pair<std::string, std::string>> params;
  bool nil = a.size() == 1 && a[0].what == kind::atom && ascii_upper(a[0].value) == "NIL";
  if (!nil) {
    bool list = a.size() >= 2 && a.front().what == kind::list_begin &&
                a.back().what == kind::list_end && a.size() % 2 == 0;
    if (!list) return bad_command(c.tag, mail_errc::bad_syntax, "BAD Invalid ID parameters.", step);
    if ((a.size() - 2) / 2 > max_id_pairs)
      return bad_command(c.tag, mail_errc::bad_syntax, "BAD Too many ID parameters.", step);
    for (size_t i = 1; i + 1 < a.size(); i += 2) {
      const auto& field = a[i];
      const auto& value = a[i + 1];
      bool value_nil = value.what == kind::atom && ascii_upper(value.value) == "NIL";
      if (field.what != kind::string || (value.what != kind::string && !value_nil))
        return bad_command(c.tag, mail_errc::bad_syntax, "BAD Invalid ID parameters.", step);
      if (field.value.size() > max_id_field || value.value.size() > max_id_value)
        return bad_command(c.tag, mail_errc::bad_syntax, "BAD ID parameter too long.", step);
      if (!value_nil) params.emplace_back(field.value, value.value);
    }
  }
  client_id_ = std::move(params);
  std::string answer;
  for (const auto& [field, value] : settings_.imap_server_id) {
    std::optional<std::string> f = imap_string(field), v = imap_string(value);
    if (!f || !v) continue;  // a NUL cannot be sent; config validation refuses it first
    answer += answer.empty() ? "(" : " ";
    answer += *f + ' ' + *v;
  }
  step.to_client += "* ID " + (answer.empty() ? std::string("NIL") : answer + ")") + "\r\n";
  step.to_client += tagged(c.tag, "OK ID completed.");
}

void imap_prelogin::on_starttls(const imap_command& c, prelogin_step& step,
                                std::string_view& input) {
  // RFC 3501 §6.2.1: OK or BAD, nothing else.
  if (!c.args.empty())
    return bad_command(c.tag, mail_errc::bad_syntax, "BAD Unexpected arguments.", step);
  if (secure_)
    return bad_command(c.tag, mail_errc::tls_already_active, "BAD TLS is already active.", step);
  if (!settings_.tls_available)
    return bad_command(c.tag, mail_errc::tls_not_available, "BAD TLS support is not enabled.",
                       step);
  step.to_client += tagged(c.tag, "OK Begin TLS negotiation now.");
  step.start_tls = true;
  phase_ = phase::tls_pending;
  // Whatever the client sent after the command arrived in plaintext, so anyone on the path
  // could have put it there (CVE-2011-0411): dropped, never read as a command after TLS.
  input.remove_prefix(input.size());
}

void imap_prelogin::on_login(const imap_command& c, prelogin_step& step) {
  if (c.args.size() != 2 || !is_astring(c.args[0]) || !is_astring(c.args[1]))
    return bad_command(c.tag, mail_errc::bad_syntax, "BAD LOGIN needs a user name and a password.",
                       step);
  if (!plaintext_allowed())
    return bad_command(c.tag, mail_errc::plaintext_disallowed, privacy_required, step);
  pending_tag_ = c.tag;
  start_login(login_request::mechanism::login, {}, c.args[0].value, c.args[1].value, step);
}

void imap_prelogin::on_authenticate(const imap_command& c, prelogin_step& step) {
  // RFC 3501 §6.2.2 with RFC 4959 §3: AUTHENTICATE SP auth-type [SP (base64 / "=")]. An
  // initial response is taken even when SASL-IR is not offered: refusing it gains nothing.
  const auto& a = c.args;
  if (a.empty() || a.size() > 2 || a[0].what != kind::atom ||
      (a.size() == 2 && a[1].what != kind::atom))
    return bad_command(c.tag, mail_errc::bad_syntax, "BAD Invalid AUTHENTICATE arguments.", step);
  if (ascii_upper(a[0].value) != "PLAIN")
    return bad_command(c.tag, mail_errc::unsupported_mechanism,
                       "NO Unsupported authentication mechanism.", step);
  if (!plaintext_allowed())
    return bad_command(c.tag, mail_errc::plaintext_disallowed, privacy_required, step);
  pending_tag_ = c.tag;
  if (a.size() == 1) {
    // PLAIN has no challenge: an empty one asks for the client's response (RFC 4616 §2).
    step.to_client += "+ \r\n";
    phase_ = phase::sasl_response;
    reader_.expect_line();
    return;
  }
  if (a[1].value == "=") return on_plain_message({}, step);  // RFC 4959 §3: empty response
  std::optional<std::string> message = base64_decode(a[1].value);
  if (!message)
    return bad_command(c.tag, mail_errc::bad_base64, "BAD Invalid base64 data in initial response.",
                       step);
  on_plain_message(*message, step);
}

void imap_prelogin::on_sasl_response(const std::string& line, prelogin_step& step) {
  phase_ = phase::reading;
  // RFC 3501 §6.2.2: "*" cancels, and the server MUST answer BAD.
  if (line == "*")
    return bad_command(pending_tag_, mail_errc::authentication_cancelled,
                       "BAD Authentication cancelled.", step);
  std::optional<std::string> message = base64_decode(line);
  if (!message)
    return bad_command(pending_tag_, mail_errc::bad_base64, "BAD Invalid base64 data.", step);
  on_plain_message(*message, step);
}

void imap_prelogin::on_plain_message(std::string_view message, prelogin_step& step) {
  std::optional<sasl_plain_message> m = parse_sasl_plain_message(message);
  if (!m) return fail_login({}, mail_errc::bad_sasl_message, step);
  start_login(login_request::mechanism::plain, std::move(m->authzid), std::move(m->authcid),
              std::move(m->passwd), step);
}

void imap_prelogin::start_login(login_request::mechanism how, std::string authzid,
                                std::string authcid, std::string password, prelogin_step& step) {
  mail_errc why = mail_errc::none;
  std::optional<login_request> request =
      make_login_request(how, std::move(authzid), std::move(authcid), std::move(password), why);
  if (!request) return fail_login({}, why, step);
  step.login = std::move(request);
  phase_ = phase::login_pending;
}

void imap_prelogin::fail_login(std::string_view text, mail_errc reason, prelogin_step& step) {
  phase_ = phase::reading;
  std::string reply = reply_text(text);
  if (reply.empty()) reply = "[AUTHENTICATIONFAILED] Authentication failed.";
  // Only the failure waits: a continuation already in the step goes out at once.
  step.delay = limits_.failure_delay(++failed_logins_);
  step.to_client_after_delay += tagged(pending_tag_, "NO " + reply);
  if (failed_logins_ >= limits_.max_failed_logins) {
    step.to_client_after_delay += "* BYE Too many invalid authentication attempts.\r\n";
    close(mail_errc::too_many_failed_logins, step);
  }
  last_refusal_ = reason;
}

prelogin_step imap_prelogin::login_succeeded(std::string_view backend_capabilities) {
  prelogin_step step;
  if (phase_ != phase::login_pending) return step;
  phase_ = phase::logged_in;
  std::string caps = capability_atoms(backend_capabilities);
  step.to_client = tagged(pending_tag_, caps.empty() ? std::string("OK Logged in")
                                                     : "OK [CAPABILITY " + caps + "] Logged in");
  return step;
}

prelogin_step imap_prelogin::login_failed(std::string_view backend_reply) {
  prelogin_step step;
  if (phase_ != phase::login_pending) return step;
  fail_login(backend_reply, mail_errc::authentication_failed, step);
  return step;
}

prelogin_step imap_prelogin::login_unavailable() {
  prelogin_step step;
  if (phase_ != phase::login_pending) return step;
  phase_ = phase::reading;
  step.to_client = tagged(pending_tag_,
                          "NO [UNAVAILABLE] Mail server temporarily unavailable, try again later.");
  return step;
}

}  // namespace hamesh::proxy::mail
