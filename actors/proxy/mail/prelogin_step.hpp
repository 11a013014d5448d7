#pragma once
// What a client-side state machine (imap_prelogin, pop3_prelogin) asks its shell to do after
// each input: write bytes (some of them only after a delay), then start TLS, log in at a
// backend, or close. The fields combine in one order: write `to_client`, wait `delay`, write
// `to_client_after_delay`, then act.
#include <optional>
#include <string>

#include "actors/proxy/mail/login_request.hpp"
#include "runtime/duration.hpp"

namespace hamesh::proxy::mail {

struct prelogin_step {
  // Bytes for the client now, in order (may be empty).
  std::string to_client;
  // The answer to a failed login waits this long (mail_limits::failure_delay), then
  // to_client_after_delay is written. Feed no more client bytes before that: the client's
  // next attempt waits with it. The core reads no clock: the shell's timer does the waiting.
  duration delay = duration::zero();
  std::string to_client_after_delay;
  // Once everything is flushed: the TLS handshake, then tls_started(). Client bytes that
  // arrive before the handshake are dropped by the core (RFC 2595 §3.1; CVE-2011-0411).
  bool start_tls = false;
  // Log in at a backend, then call login_succeeded / login_failed / login_unavailable.
  std::optional<login_request> login;
  // Once everything is flushed: close the connection.
  bool close = false;

  bool empty() const {
    return to_client.empty() && to_client_after_delay.empty() && !start_tls && !login && !close;
  }
};

}  // namespace hamesh::proxy::mail
