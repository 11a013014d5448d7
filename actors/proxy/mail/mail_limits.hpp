#pragma once
// Every bound the mail core keeps before login: nothing a client (or a backend, while the
// proxy logs in) sends makes it hold more than these, and a client that keeps failing is cut
// off. The failure delay is a policy, not a timer: the core says "answer after D" and the
// shell waits (the core reads no clock).
#include <chrono>
#include <cstddef>

#include "runtime/duration.hpp"

namespace hamesh::proxy::mail {

struct mail_limits {
  // The text of one command (every line of it together, CRLFs and literal contents
  // excluded), and of one reply line from a backend. Over it: the connection is closed.
  size_t max_line = 8 * 1024;
  // One literal in a client command (RFC 3501 §4.3), refused before it is read: a
  // synchronising literal gets no continuation, a non-synchronising one closes (RFC 7888).
  size_t max_literal = 8 * 1024;
  // Literals in one command: LOGIN needs two; ID may use a few.
  size_t max_command_literals = 8;
  // Failed logins on one connection: the last failure is answered and the connection closed.
  unsigned max_failed_logins = 3;
  // Refused commands (syntax, state, unknown) on one connection before it is closed, so a
  // client that speaks another protocol does not hold a connection forever.
  unsigned max_bad_commands = 10;
  // Dovecot's auth_failure_delay (2 s), growing per failure like its auth penalty (x2, up
  // to 15 s): the answer to failure n waits first * factor^(n-1), at most max_failure_delay.
  duration first_failure_delay = std::chrono::seconds(2);
  unsigned failure_delay_factor = 2;
  duration max_failure_delay = std::chrono::seconds(15);

  // How long to hold the answer to the `failures`-th failed login (0 for none).
  duration failure_delay(unsigned failures) const;
};

}  // namespace hamesh::proxy::mail
