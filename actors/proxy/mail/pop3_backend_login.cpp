#include "actors/proxy/mail/pop3_backend_login.hpp"

#include <utility>

#include "actors/proxy/mail/mail_text.hpp"
#include "actors/proxy/mail/sasl_plain_message.hpp"
#include "runtime/base64.hpp"

namespace hamesh::proxy::mail {
namespace {

using login_verdict = backend_step::verdict;

// RFC 1939 §3: a status line is "+OK" or "-ERR", then optionally SP and text. RFC 5034 §4:
// a continuation is "+" SP base64 (a bare "+" is accepted).
enum class reply_kind { ok, err, continuation, malformed };

reply_kind classify(std::string_view line, std::string_view& text) {
  auto status = [&](std::string_view word) {
    if (line.substr(0, word.size()) != word) return false;
    if (line.size() == word.size()) {
      text = {};
      return true;
    }
    if (line[word.size()] != ' ') return false;
    text = line.substr(word.size() + 1);
    return true;
  };
  if (status("+OK")) return reply_kind::ok;
  if (status("-ERR")) return reply_kind::err;
  if (line == "+" || line.substr(0, 2) == "+ ") {
    text = line.size() > 2 ? line.substr(2) : std::string_view();
    return reply_kind::continuation;
  }
  return reply_kind::malformed;
}

// "[SYS/TEMP] ..." -> "SYS/TEMP"; "" without a response code (RFC 2449 §8).
std::string response_code(std::string_view text) {
  if (text.empty() || text[0] != '[') return {};
  size_t close = text.find(']');
  return close == std::string_view::npos ? std::string() : ascii_upper(text.substr(1, close - 1));
}

bool sendable_on_a_line(std::string_view s) {
  for (unsigned char c : s)
    if (c == '\0' || c == '\r' || c == '\n') return false;
  return true;
}

}  // namespace

pop3_backend_login::pop3_backend_login(backend_login_settings settings, mail_limits limits)
    : settings_(std::move(settings)), limits_(limits), lines_(limits_.max_line) {}

void pop3_backend_login::fail(login_verdict v, mail_errc reason, std::string text,
                              backend_step& step) {
  phase_ = phase::done;
  verdict_ = v;
  error_ = {reason, std::move(text)};
  step.outcome = v;
}

backend_step pop3_backend_login::on_backend_closed() {
  backend_step step;
  if (verdict_ == login_verdict::pending)
    fail(login_verdict::backend_error, mail_errc::backend_closed,
         "the backend closed the connection", step);
  return step;
}

backend_step pop3_backend_login::on_backend_data(std::string_view& input) {
  backend_step step;
  while (verdict_ == login_verdict::pending) {
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

void pop3_backend_login::on_line(const std::string& line, backend_step& step) {
  if (phase_ == phase::capa_list) {
    // RFC 2449 §5: one capability per line up to a lone ".", byte-stuffed like RETR.
    if (line == ".") return after_capabilities(step);
    on_capability(!line.empty() && line[0] == '.' ? std::string_view(line).substr(1)
                                                  : std::string_view(line));
    return;
  }
  std::string_view text;
  reply_kind k = classify(line, text);
  if (k == reply_kind::malformed)
    return fail(login_verdict::backend_error, mail_errc::backend_malformed_reply,
                "not a POP3 reply: " + reply_text(line, 120), step);
  if (k == reply_kind::continuation && phase_ != phase::auth)
    return fail(login_verdict::backend_error, mail_errc::backend_unexpected_reply,
                "a continuation outside AUTH", step);
  switch (phase_) {
    case phase::greeting:
      if (k != reply_kind::ok) {
        reply_ = reply_text(text);
        return fail(login_verdict::backend_error, mail_errc::backend_bye, "greeting -ERR " + reply_,
                    step);
      }
      step.to_backend += "CAPA\r\n";
      phase_ = phase::capa;
      return;
    case phase::capa:
      if (k == reply_kind::ok) {
        phase_ = phase::capa_list;
        return;
      }
      return after_capabilities(step);  // RFC 2449 §5: -ERR means no CAPA
    case phase::xclient:
      xclient_accepted_ = k == reply_kind::ok;
      return start_auth(step);
    case phase::user:
      if (k == reply_kind::ok) {
        phase_ = phase::pass;
        step.to_backend += "PASS " + settings_.password + "\r\n";
        return;
      }
      return on_auth_reply(line, step);
    case phase::pass:
    case phase::auth:
      if (k == reply_kind::continuation) {
        if (auth_response_.empty())
          return fail(login_verdict::backend_error, mail_errc::backend_unexpected_reply,
                      "a second AUTH challenge", step);
        step.to_backend += auth_response_ + "\r\n";
        auth_response_.clear();
        return;
      }
      return on_auth_reply(line, step);
    case phase::capa_list:
    case phase::done:
      return;
  }
}

void pop3_backend_login::on_capability(std::string_view line) {
  std::string caps = ascii_upper(line);
  if (caps == "XCLIENT" || caps.compare(0, 8, "XCLIENT ") == 0) xclient_ = true;
  if (caps.compare(0, 5, "SASL ") == 0 && (" " + caps + " ").find(" PLAIN ") != std::string::npos)
    sasl_plain_ = true;
}

void pop3_backend_login::after_capabilities(backend_step& step) {
  if (xclient_ && !settings_.client_ip.empty() && sendable_on_a_line(settings_.client_ip) &&
      settings_.client_ip.find(' ') == std::string::npos) {
    std::string command = "XCLIENT ADDR=" + settings_.client_ip;
    if (settings_.client_port) command += " PORT=" + std::to_string(settings_.client_port);
    if (!settings_.session_id.empty() && sendable_on_a_line(settings_.session_id) &&
        settings_.session_id.find(' ') == std::string::npos)
      command += " SESSION=" + settings_.session_id;
    step.to_backend += command + "\r\n";
    phase_ = phase::xclient;
    return;
  }
  start_auth(step);
}

void pop3_backend_login::start_auth(backend_step& step) {
  if (!settings_.master_user.empty() || sasl_plain_) {
    if (!sasl_plain_)
      return fail(login_verdict::backend_error, mail_errc::backend_no_usable_mechanism,
                  "a master user login needs SASL PLAIN, which the backend does not offer", step);
    sasl_plain_message m;
    if (settings_.master_user.empty()) {
      m.authcid = settings_.user;
    } else {
      m.authzid = settings_.user;
      m.authcid = settings_.master_user;
    }
    m.passwd = settings_.password;
    std::string response = base64_encode(m.encode());
    if (response.empty()) response = "=";  // RFC 5034 §4: an empty initial response
    std::string line = "AUTH PLAIN " + response + "\r\n";
    phase_ = phase::auth;
    if (line.size() <= max_auth_line) {
      step.to_backend += line;
    } else {
      step.to_backend += "AUTH PLAIN\r\n";
      auth_response_ = response;
    }
    return;
  }
  if (!sendable_on_a_line(settings_.user) || !sendable_on_a_line(settings_.password)) {
    // CR, LF or NUL would end (or forge) the line: only SASL could carry such a password.
    reply_ = "[AUTH] Authentication failed.";
    return fail(login_verdict::auth_failed, mail_errc::authentication_failed,
                "credentials with CR, LF or NUL cannot go in USER/PASS", step);
  }
  step.to_backend += "USER " + settings_.user + "\r\n";
  phase_ = phase::user;
}

void pop3_backend_login::on_auth_reply(std::string_view line, backend_step& step) {
  std::string_view text;
  reply_kind k = classify(line, text);
  reply_ = reply_text(text);
  if (k == reply_kind::ok) {
    if (!auth_response_.empty())
      return fail(login_verdict::backend_error, mail_errc::backend_unexpected_reply,
                  "AUTH completed before its response was sent", step);
    phase_ = phase::done;
    verdict_ = login_verdict::logged_in;
    step.outcome = login_verdict::logged_in;
    return;
  }
  std::string code = response_code(text);
  if (code == "SYS/TEMP" || code == "SYS/PERM")
    return fail(login_verdict::backend_error, mail_errc::backend_unavailable, "-ERR " + reply_,
                step);
  fail(login_verdict::auth_failed, mail_errc::authentication_failed, "-ERR " + reply_, step);
}

}  // namespace hamesh::proxy::mail
