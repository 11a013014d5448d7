#include "actors/proxy/mail/imap_backend_login.hpp"

#include <optional>
#include <utility>

#include "actors/proxy/mail/imap_literal_marker.hpp"
#include "actors/proxy/mail/imap_syntax.hpp"
#include "actors/proxy/mail/mail_text.hpp"
#include "actors/proxy/mail/sasl_plain_message.hpp"
#include "runtime/base64.hpp"

namespace hamesh::proxy::mail {
namespace {

using login_verdict = backend_step::verdict;
using kind = imap_response_line::kind;

// Our tags; the client never sees them (the splice starts after the last tagged response).
constexpr std::string_view capability_tag = "A0";
constexpr std::string_view id_tag = "A1";
constexpr std::string_view login_tag = "A2";
constexpr std::string_view capability_after_login_tag = "A3";

// RFC 7888: with LITERAL- a non-synchronising literal may hold 4096 bytes at most.
constexpr size_t literal_minus_bound = 4096;

}  // namespace

imap_backend_login::imap_backend_login(backend_login_settings settings, mail_limits limits)
    : settings_(std::move(settings)), limits_(limits), lines_(limits_.max_line) {}

void imap_backend_login::fail(login_verdict v, mail_errc reason, std::string text,
                              backend_step& step) {
  phase_ = phase::done;
  verdict_ = v;
  error_ = {reason, std::move(text)};
  step.outcome = v;
}

void imap_backend_login::succeed(backend_step& step) {
  phase_ = phase::done;
  verdict_ = login_verdict::logged_in;
  step.outcome = login_verdict::logged_in;
}

backend_step imap_backend_login::on_backend_closed() {
  backend_step step;
  if (verdict_ == login_verdict::pending)
    fail(login_verdict::backend_error, mail_errc::backend_closed,
         "the backend closed the connection", step);
  return step;
}

backend_step imap_backend_login::on_backend_data(std::string_view& input) {
  backend_step step;
  while (verdict_ == login_verdict::pending) {
    if (literal_left_ > 0) {
      size_t n = input.size() < literal_left_ ? input.size() : size_t(literal_left_);
      input.remove_prefix(n);
      literal_left_ -= n;
      if (literal_left_ > 0) return step;
      inside_untagged_ = true;
      continue;
    }
    switch (lines_.next(input)) {
      case mail_line_reader::status::need_more:
        return step;
      case mail_line_reader::status::too_long:
        fail(login_verdict::backend_error, mail_errc::backend_line_too_long,
             "a reply line longer than " + std::to_string(limits_.max_line) + " bytes", step);
        return step;
      case mail_line_reader::status::line:
        on_line(lines_.line(), step);
        break;
    }
  }
  return step;
}

void imap_backend_login::skip_literal_at_end(std::string_view data_line) {
  // Untagged data may carry literals ("* ID (... {12}", RFC 3501 §4.3); only data lines come
  // here: in a status response's text a trailing "{5}" is just text.
  std::optional<imap_literal_marker> m = find_trailing_literal(data_line);
  if (!m) return;
  literal_left_ = m->size;
  if (literal_left_ == 0) inside_untagged_ = true;
}

void imap_backend_login::on_line(const std::string& line, backend_step& step) {
  if (inside_untagged_) {
    // The rest of an untagged response after a literal: nothing we need, but it may end in
    // another literal.
    inside_untagged_ = false;
    return skip_literal_at_end(line);
  }
  std::optional<imap_response_line> parsed = parse_imap_response_line(line);
  if (!parsed)
    return fail(login_verdict::backend_error, mail_errc::backend_malformed_reply,
                "not an IMAP response: " + reply_text(line, 120), step);
  const imap_response_line& r = *parsed;
  if (r.what == kind::status && r.untagged() && r.condition == "BYE") {
    reply_ = reply_text(r.text);
    return fail(login_verdict::backend_error, mail_errc::backend_bye, "BYE " + reply_, step);
  }
  switch (phase_) {
    case phase::greeting:
      return on_greeting(r, step);
    case phase::capability:
    case phase::capability_after_login: {
      bool after = phase_ == phase::capability_after_login;
      if (r.what == kind::data) {
        if (r.data_name() == "CAPABILITY") {
          (after ? capabilities_ : greeting_capabilities_) = r.data_argument();
          if (after) have_capabilities_ = true;
        }
        return skip_literal_at_end(line);
      }
      if (r.what == kind::status && r.untagged()) return;  // "* OK [ALERT] ...", "* NO ..."
      std::string_view tag = after ? capability_after_login_tag : capability_tag;
      if (r.what == kind::status && r.tag == tag) {
        // After a login that worked, a failed CAPABILITY does not undo it: the client gets
        // "OK Logged in" without a list and asks itself.
        if (after) return succeed(step);
        if (r.condition != "OK")
          return fail(login_verdict::backend_error, mail_errc::backend_unexpected_reply,
                      "CAPABILITY answered " + r.condition, step);
        return send_login(step);
      }
      return fail(login_verdict::backend_error, mail_errc::backend_unexpected_reply,
                  "unexpected reply to CAPABILITY: " + reply_text(line, 120), step);
    }
    case phase::login:
      return on_login_response(r, step);
    case phase::done:
      return;
  }
}

void imap_backend_login::on_greeting(const imap_response_line& r, backend_step& step) {
  // RFC 3501 §7.1: the greeting is an untagged OK, PREAUTH or BYE (handled before).
  if (r.what != kind::status || !r.untagged() || r.condition != "OK") {
    std::string what = r.what == kind::status ? r.tag + ' ' + r.condition : std::string("data");
    return fail(login_verdict::backend_error, mail_errc::backend_unexpected_reply,
                "unexpected greeting: " + what, step);
  }
  if (r.code_name() == "CAPABILITY") {
    greeting_capabilities_ = r.code_argument();
    return send_login(step);
  }
  phase_ = phase::capability;
  step.to_backend += std::string(capability_tag) + " CAPABILITY\r\n";
}

std::string imap_backend_login::id_command() const {
  std::string fields;
  auto add = [&fields](const char* field, const std::string& value) {
    if (value.empty() || !imap_quotable(value)) return;
    fields += fields.empty() ? "(" : " ";
    fields += imap_quoted(field);
    fields += ' ';
    fields += imap_quoted(value);
  };
  add("x-originating-ip", settings_.client_ip);
  add("x-originating-port", settings_.client_port ? std::to_string(settings_.client_port) : "");
  add("x-connected-ip", settings_.local_ip);
  add("x-connected-port", settings_.local_port ? std::to_string(settings_.local_port) : "");
  add("x-session-id", settings_.session_id);
  return std::string(id_tag) + " ID " + fields + ")\r\n";
}

void imap_backend_login::send_login(backend_step& step) {
  const std::string& caps = greeting_capabilities_;
  bool plain = imap_has_capability(caps, "AUTH=PLAIN");
  bool sasl_ir = imap_has_capability(caps, "SASL-IR");
  bool login_disabled = imap_has_capability(caps, "LOGINDISABLED");
  bool use_plain;
  if (!settings_.master_user.empty()) {
    // LOGIN has no authorization identity: a master login needs PLAIN.
    if (!plain)
      return fail(login_verdict::backend_error, mail_errc::backend_no_usable_mechanism,
                  "a master user login needs AUTH=PLAIN, which the backend does not offer", step);
    use_plain = true;
  } else if (plain && sasl_ir) {
    use_plain = true;  // one round trip, and no quoting or literal rules to get wrong
  } else if (!login_disabled) {
    use_plain = false;
  } else if (plain) {
    use_plain = true;
  } else {
    return fail(login_verdict::backend_error, mail_errc::backend_no_usable_mechanism,
                "the backend offers neither LOGIN nor AUTH=PLAIN", step);
  }

  std::vector<std::string> chunks(1);
  if (use_plain) {
    sasl_plain_message m;
    if (settings_.master_user.empty()) {
      m.authcid = settings_.user;
    } else {
      m.authzid = settings_.user;
      m.authcid = settings_.master_user;
    }
    m.passwd = settings_.password;
    std::string response = base64_encode(m.encode());
    chunks[0] = std::string(login_tag) + " AUTHENTICATE PLAIN";
    if (sasl_ir) {
      // RFC 4959 §3: the initial response on the command line; "=" when empty.
      chunks[0] += ' ' + (response.empty() ? std::string("=") : response) + "\r\n";
    } else {
      chunks[0] += "\r\n";
      chunks.push_back(response + "\r\n");  // after the server's empty "+ " challenge
    }
  } else {
    if (!imap_literal_safe(settings_.user) || !imap_literal_safe(settings_.password)) {
      reply_ = "[AUTHENTICATIONFAILED] Authentication failed.";
      return fail(login_verdict::auth_failed, mail_errc::authentication_failed,
                  "a NUL in the credentials cannot be sent to an IMAP server", step);
    }
    bool literal_plus = imap_has_capability(caps, "LITERAL+");
    bool literal_minus = imap_has_capability(caps, "LITERAL-");
    auto add_string = [&](const std::string& s) {
      if (imap_quotable(s)) {
        chunks.back() += imap_quoted(s);
        return;
      }
      // RFC 3501 §4.3: 8-bit bytes, CR or LF need a literal.
      std::string n = std::to_string(s.size());
      if (literal_plus || (literal_minus && s.size() <= literal_minus_bound)) {
        chunks.back() += '{' + n + "+}\r\n" + s;
      } else {
        chunks.back() += '{' + n + "}\r\n";
        chunks.push_back(s);  // sent after the "+" continuation
      }
    };
    chunks[0] = std::string(login_tag) + " LOGIN ";
    add_string(settings_.user);
    chunks.back() += ' ';
    add_string(settings_.password);
    chunks.back() += "\r\n";
  }

  if (!settings_.client_ip.empty() && imap_has_capability(caps, "ID")) {
    step.to_backend += id_command();
    id_pending_ = true;
  }
  step.to_backend += chunks[0];
  chunks_.assign(std::make_move_iterator(chunks.begin() + 1),
                 std::make_move_iterator(chunks.end()));
  phase_ = phase::login;
}

void imap_backend_login::on_login_response(const imap_response_line& r, backend_step& step) {
  switch (r.what) {
    case kind::continuation:
      // RFC 3501 §7.5: the backend is ready for the next literal (or, for AUTHENTICATE
      // without SASL-IR, for the response).
      if (chunks_.empty() || logged_in_)
        return fail(login_verdict::backend_error, mail_errc::backend_unexpected_reply,
                    "a continuation request with nothing left to send", step);
      step.to_backend += chunks_.front();
      chunks_.erase(chunks_.begin());
      return;
    case kind::data:
      if (r.data_name() == "CAPABILITY") {
        // Some servers announce the post-login list untagged before the tagged OK.
        capabilities_ = r.data_argument();
        have_capabilities_ = true;
      }
      return skip_literal_at_end(lines_.line());
    case kind::status:
      break;
  }
  if (r.untagged()) {
    if (r.condition == "PREAUTH")
      return fail(login_verdict::backend_error, mail_errc::backend_unexpected_reply,
                  "PREAUTH after the greeting", step);
    return;  // "* OK [ALERT] ...", "* NO ...": informational
  }
  if (r.tag == id_tag && id_pending_) {
    id_pending_ = false;
    id_accepted_ = r.condition == "OK";
    return finish_if_done(step);
  }
  if (r.tag != login_tag || logged_in_)
    return fail(login_verdict::backend_error, mail_errc::backend_unexpected_reply,
                "a tagged reply to a command we did not send: " + r.tag, step);
  if (r.condition == "OK") {
    if (!chunks_.empty())
      return fail(login_verdict::backend_error, mail_errc::backend_unexpected_reply,
                  "login completed before all of it was sent", step);
    logged_in_ = true;
    if (r.code_name() == "CAPABILITY") {
      capabilities_ = r.code_argument();
      have_capabilities_ = true;
    }
    return finish_if_done(step);
  }
  reply_ = reply_text(r.text);
  if (r.condition == "BAD")
    return fail(login_verdict::backend_error, mail_errc::backend_unexpected_reply,
                "the backend refused our login command: BAD " + reply_, step);
  if (r.code_name() == "UNAVAILABLE")
    return fail(login_verdict::backend_error, mail_errc::backend_unavailable, "NO " + reply_, step);
  fail(login_verdict::auth_failed, mail_errc::authentication_failed, "NO " + reply_, step);
}

void imap_backend_login::finish_if_done(backend_step& step) {
  // The verdict waits for the ID's tagged reply too, so that nothing of ours reaches the
  // client once the splice starts.
  if (!logged_in_ || id_pending_) return;
  if (have_capabilities_) return succeed(step);
  phase_ = phase::capability_after_login;
  step.to_backend += std::string(capability_after_login_tag) + " CAPABILITY\r\n";
}

}  // namespace hamesh::proxy::mail
