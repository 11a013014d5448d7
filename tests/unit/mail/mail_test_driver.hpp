#pragma once
// Drives a pre-login state machine (imap_prelogin, pop3_prelogin) the way a shell does, over
// a client's byte stream cut into pieces of a chosen size, and a backend login driver over a
// backend's stream; both record everything as one transcript, so tests compare whole strings
// and the same script fed whole or byte by byte must give the same transcript.
//
// Prelogin transcript: the bytes for the client, with the shell's actions in brackets where
// they happen: "[delay 2000ms]" (before the bytes it holds back), "[starttls]", "[login plain
// user=... authcid=... authzid=... password=...]", "[close]". The TLS handshake is never
// completed by drive(): bytes after STARTTLS are dropped whatever the cut, so transcripts stay
// comparable; tests that go on after TLS call tls_started() themselves.
#include <chrono>
#include <cstddef>
#include <deque>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "actors/proxy/mail/backend_step.hpp"
#include "actors/proxy/mail/login_request.hpp"
#include "actors/proxy/mail/mail_errc.hpp"
#include "actors/proxy/mail/prelogin_step.hpp"

namespace mail_test {

using namespace hamesh::proxy::mail;

// How the scripted backend answers the logins, in order; past the end: failed("").
struct login_outcome {
  enum class kind { succeeded, failed, unavailable };
  kind what = kind::failed;
  std::string
      text;  // capabilities (IMAP) or +OK text (POP3) on success; the NO/-ERR text on failure
};
inline login_outcome succeeded(std::string text = {}) {
  return {login_outcome::kind::succeeded, std::move(text)};
}
inline login_outcome failed(std::string text = {}) {
  return {login_outcome::kind::failed, std::move(text)};
}
inline login_outcome unavailable() {
  return {login_outcome::kind::unavailable, {}};
}

// `bytes` with CR, LF and other control bytes shown as escapes, for failure messages.
inline std::string escaped(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7f) {
      const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += char(c);
    }
  }
  return out;
}

inline void record(std::string& out, const prelogin_step& s) {
  out += s.to_client;
  if (s.delay > hamesh::duration::zero())
    out += "[delay " +
           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(s.delay).count()) +
           "ms]";
  out += s.to_client_after_delay;
  if (s.start_tls) out += "[starttls]";
  if (s.login) {
    const login_request& r = *s.login;
    out += r.how == login_request::mechanism::plain ? "[login plain" : "[login login";
    out += " user=" + r.user.name() + " authcid=" + r.authcid;
    if (!r.authzid.empty()) out += " authzid=" + r.authzid;
    out += " password=" + r.password + "]";
  }
  if (s.close) out += "[close]";
}

template <typename Machine>
prelogin_step answer(Machine& m, const login_outcome& o) {
  switch (o.what) {
    case login_outcome::kind::succeeded:
      return m.login_succeeded(o.text);
    case login_outcome::kind::unavailable:
      return m.login_unavailable();
    case login_outcome::kind::failed:
      break;
  }
  return m.login_failed(o.text);
}

struct prelogin_run {
  std::string transcript;
  std::string left;  // client bytes not taken (after a login: what the splice would forward)
};

// The greeting, then `bytes` in pieces of `piece` bytes (0: all at once).
template <typename Machine>
prelogin_run drive(Machine& m, std::string_view bytes, size_t piece = 0,
                   std::vector<login_outcome> outcomes = {}) {
  std::deque<login_outcome> script(outcomes.begin(), outcomes.end());
  prelogin_run run;
  record(run.transcript, m.greeting());
  std::string buffer;
  size_t at = 0;
  for (;;) {
    size_t n = piece == 0 ? bytes.size() - at : std::min(piece, bytes.size() - at);
    buffer.append(bytes.substr(at, n));
    at += n;
    while (!m.closed() && !m.logged_in()) {
      std::string_view in = buffer;
      prelogin_step s = m.on_client_data(in);
      size_t taken = buffer.size() - in.size();
      buffer.erase(0, taken);
      record(run.transcript, s);
      if (s.login) {
        login_outcome o = script.empty() ? failed() : script.front();
        if (!script.empty()) script.pop_front();
        record(run.transcript, answer(m, o));
        continue;
      }
      if (s.empty() && taken == 0) break;
    }
    if (at >= bytes.size()) break;
  }
  run.left = buffer;
  return run;
}

// Backend transcript: ">" before each write to the backend, the verdict at the end, and how
// many of the backend's bytes were left unread after it.
struct backend_run {
  std::string to_backend;
  backend_step::verdict outcome = backend_step::verdict::pending;
  size_t left = 0;
};

template <typename Driver>
backend_run drive_backend(Driver& d, std::string_view bytes, size_t piece = 0, bool close = true) {
  backend_run run;
  std::string buffer;
  size_t at = 0;
  for (;;) {
    size_t n = piece == 0 ? bytes.size() - at : std::min(piece, bytes.size() - at);
    buffer.append(bytes.substr(at, n));
    at += n;
    std::string_view in = buffer;
    backend_step s = d.on_backend_data(in);
    buffer.erase(0, buffer.size() - in.size());
    run.to_backend += s.to_backend;
    if (s.outcome != backend_step::verdict::pending) {
      run.outcome = s.outcome;
      run.left = buffer.size() + (bytes.size() - at);
      return run;
    }
    if (at >= bytes.size()) break;
  }
  if (close) run.outcome = d.on_backend_closed().outcome;
  return run;
}

}  // namespace mail_test

namespace hamesh::proxy::mail {
// For Boost.Test's messages.
inline std::ostream& operator<<(std::ostream& os, mail_errc e) {
  return os << to_string(e);
}
inline std::ostream& operator<<(std::ostream& os, backend_step::verdict v) {
  return os << to_string(v);
}
}  // namespace hamesh::proxy::mail
