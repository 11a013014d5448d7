// Any bytes as a mail client's stream into the IMAP and POP3 pre-login state machines, or as a
// backend's replies into the IMAP and POP3 backend login drivers: never a crash, never a stall
// (a machine that wants bytes has taken all it was given), only well-formed lines to the client
// (printable text ending in CRLF), every login request valid, every limit kept; and the same
// transcript fed whole, cut at an input-chosen point, or byte by byte.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "actors/proxy/mail/imap_backend_login.hpp"
#include "actors/proxy/mail/imap_prelogin.hpp"
#include "actors/proxy/mail/pop3_backend_login.hpp"
#include "actors/proxy/mail/pop3_prelogin.hpp"

using namespace hamesh::proxy::mail;

namespace {

struct options {
  unsigned machine = 0;  // 0 IMAP client, 1 POP3 client, 2 IMAP backend, 3 POP3 backend
  bool small_limits = false;
  bool tls_active = false;
  bool allow_plaintext = false;
  bool literal_minus = false;
  unsigned outcome_seed = 0;  // how the scripted backend answers logins, and the credentials
};

mail_limits limits_for(const options& o) {
  mail_limits l;
  if (o.small_limits) {
    l.max_line = 64;
    l.max_literal = 32;
    l.max_command_literals = 3;
    l.max_failed_logins = 3;
    l.max_bad_commands = 6;
  }
  return l;
}

// Bytes for a client: printable lines ending in CRLF, nothing else.
void check_client_bytes(const std::string& bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    unsigned char c = uint8_t(bytes[i]);
    if (c == '\r') {
      if (i + 1 >= bytes.size() || bytes[i + 1] != '\n') std::abort();
      ++i;
      continue;
    }
    if (c == '\n' || c < 0x20 || c == 0x7f) std::abort();
  }
  if (!bytes.empty() && (bytes.size() < 2 || bytes.compare(bytes.size() - 2, 2, "\r\n") != 0))
    std::abort();
}

void check_login(const login_request& r) {
  if (r.authcid.empty() || r.password.empty() || r.user.local.empty()) std::abort();
  for (unsigned char c : r.user.name())
    if (c < 0x20 || c == 0x7f) std::abort();
  if (r.user.name().size() > mail_user::max_length) std::abort();
}

template <typename Machine>
void record(Machine& m, const prelogin_step& s, const mail_limits& limits, std::string& trace) {
  check_client_bytes(s.to_client);
  check_client_bytes(s.to_client_after_delay);
  if (s.delay > limits.max_failure_delay) std::abort();
  if (s.delay > hamesh::duration::zero() && s.to_client_after_delay.empty()) std::abort();
  trace += s.to_client;
  if (s.delay > hamesh::duration::zero())
    trace += "|delay " + std::to_string(s.delay.count()) + "|";
  trace += s.to_client_after_delay;
  if (s.start_tls) {
    if (m.wants_client_data()) std::abort();
    trace += "|tls|";
  }
  if (s.login) {
    check_login(*s.login);
    trace += "|login " + s.login->user.name() + " " + s.login->authcid + " " + s.login->authzid +
             " " + s.login->password + "|";
  }
  if (s.close) {
    if (!m.closed()) std::abort();
    trace += "|close|";
  }
  if (m.failed_logins() > limits.max_failed_logins || m.bad_commands() > limits.max_bad_commands)
    std::abort();
}

template <typename Machine>
prelogin_step answer_login(Machine& m, unsigned n);

template <>
prelogin_step answer_login(imap_prelogin& m, unsigned n) {
  switch (n % 4) {
    case 0:
      return m.login_failed("[AUTHENTICATIONFAILED] Authentication failed.");
    case 1:
      return m.login_unavailable();
    case 2:
      return m.login_failed("");
  }
  return m.login_succeeded("IMAP4rev1 IDLE ]x");
}

template <>
prelogin_step answer_login(pop3_prelogin& m, unsigned n) {
  switch (n % 4) {
    case 0:
      return m.login_failed("[AUTH] Authentication failed.");
    case 1:
      return m.login_unavailable();
    case 2:
      return m.login_failed("[IN-USE] locked\r\n+OK");
  }
  return m.login_succeeded("Logged in.");
}

// The shell's loop over a client stream cut into pieces; TLS is never completed (see the unit
// tests' driver), so bytes after STARTTLS are dropped however they were cut.
template <typename Machine>
std::string run_client(const options& o, std::string_view bytes, size_t first, size_t piece) {
  mail_prelogin_settings s;
  s.tls_available = true;
  s.tls_active = o.tls_active;
  s.allow_plaintext_auth = o.allow_plaintext;
  if (o.literal_minus) s.imap_literals = mail_prelogin_settings::literal_extension::literal_minus;
  s.imap_server_id = {{"name", "hamesh"}};
  s.pop3_implementation = "hamesh";
  mail_limits limits = limits_for(o);
  Machine m(s, limits);
  std::string trace;
  record(m, m.greeting(), limits, trace);
  std::string buffer;
  unsigned logins = o.outcome_seed;
  size_t at = 0, size = first;
  while (at < bytes.size()) {
    size_t n = size < bytes.size() - at ? size : bytes.size() - at;
    buffer.append(bytes.data() + at, n);
    at += n;
    size = piece;
    // Each round takes bytes or answers something; more rounds than that is a stall.
    for (size_t round = 0;; ++round) {
      if (round > 2 * bytes.size() + 16) std::abort();
      if (m.closed() || m.logged_in()) break;
      std::string_view in = buffer;
      prelogin_step step = m.on_client_data(in);
      size_t taken = buffer.size() - in.size();
      buffer.erase(0, taken);
      record(m, step, limits, trace);
      if (step.login) {
        if (m.wants_client_data()) std::abort();
        record(m, answer_login(m, logins++), limits, trace);
        continue;
      }
      if (step.empty() && taken == 0) {
        if (m.wants_client_data() && !buffer.empty()) std::abort();
        break;
      }
    }
    if (m.closed()) break;
  }
  // What is left goes to the backend after a login; after a close it is nobody's (and how
  // much of a line over max_line was taken depends on the cuts).
  if (m.closed()) return trace + "|closed " + to_string(m.close_reason());
  trace += m.logged_in() ? "|in " : "|open ";
  trace += std::to_string(buffer.size() + (bytes.size() - at));
  return trace;
}

backend_login_settings backend_settings(const options& o) {
  backend_login_settings s;
  s.user = "user@example.com";
  // Credentials that need quoting, literals or SASL, and a master user, by the seed.
  switch (o.outcome_seed % 4) {
    case 0:
      s.password = "secret";
      break;
    case 1:
      s.password = "p\"a\\ss";
      break;
    case 2:
      s.password = "line\r\nbreak \xc3\xa9";
      break;
    case 3:
      s.password = "secret";
      s.master_user = "master";
      break;
  }
  s.client_ip = "192.0.2.1";
  s.client_port = 50000;
  s.local_ip = "198.51.100.1";
  s.local_port = 143;
  s.session_id = "abc";
  return s;
}

template <typename Driver>
std::string run_backend(const options& o, std::string_view bytes, size_t first, size_t piece) {
  Driver d(backend_settings(o), limits_for(o));
  std::string trace;
  std::string buffer;
  size_t at = 0, size = first;
  backend_step::verdict outcome = backend_step::verdict::pending;
  while (at < bytes.size() && outcome == backend_step::verdict::pending) {
    size_t n = size < bytes.size() - at ? size : bytes.size() - at;
    buffer.append(bytes.data() + at, n);
    at += n;
    size = piece;
    std::string_view in = buffer;
    backend_step step = d.on_backend_data(in);
    buffer.erase(0, buffer.size() - in.size());
    trace += step.to_backend;
    outcome = step.outcome;
    if (outcome != d.verdict()) std::abort();
    if (outcome == backend_step::verdict::pending && !buffer.empty()) std::abort();  // a stall
  }
  if (outcome == backend_step::verdict::pending) {
    backend_step end = d.on_backend_closed();
    if (end.outcome != backend_step::verdict::backend_error || !end.to_backend.empty())
      std::abort();
    outcome = end.outcome;
  }
  if ((outcome == backend_step::verdict::logged_in) != (d.error().reason == mail_errc::none))
    std::abort();
  trace += "|";
  trace += to_string(outcome);
  trace += "|";
  trace += to_string(d.error().reason);
  trace += "|" + d.error().text + "|" + d.reply() + "|";
  // How much of a line over max_line was taken depends on the cuts; nothing else does.
  if (d.error().reason != mail_errc::backend_line_too_long)
    trace += std::to_string(buffer.size() + (bytes.size() - at));
  return trace;
}

std::string run(const options& o, std::string_view bytes, size_t first, size_t piece) {
  switch (o.machine) {
    case 0:
      return run_client<imap_prelogin>(o, bytes, first, piece);
    case 1:
      return run_client<pop3_prelogin>(o, bytes, first, piece);
    case 2:
      return run_backend<imap_backend_login>(o, bytes, first, piece);
  }
  return run_backend<pop3_backend_login>(o, bytes, first, piece);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // The first byte picks the machine and its options, the second where to cut; the rest is
  // the stream.
  options o;
  o.machine = data[0] & 3;
  o.small_limits = data[0] & 4;
  o.tls_active = data[0] & 8;
  o.allow_plaintext = data[0] & 16;
  o.literal_minus = data[0] & 32;
  o.outcome_seed = data[0] >> 6;
  size_t cut = data[1];
  std::string_view bytes(reinterpret_cast<const char*>(data + 2), size - 2);
  std::string whole = run(o, bytes, bytes.size() + 1, 1);
  std::string two_pieces = run(o, bytes, cut, bytes.size() + 1);
  std::string bytewise = run(o, bytes, 1, 1);
  if (whole != two_pieces || whole != bytewise) std::abort();
  return 0;
}
