#pragma once
// Who the proxy logs in as at a backend, and which client it logs in for: what the shell fills
// in from a login_request (and its routing) before it starts imap_backend_login or
// pop3_backend_login. Holds a password: never log it.
#include <cstdint>
#include <string>

namespace hamesh::proxy::mail {

struct backend_login_settings {
  std::string user;      // the mailbox to log in to
  std::string password;  // the user's password, or master_user's
  // Non-empty: log in as this master user on the user's behalf, by SASL PLAIN with
  // authzid = user and authcid = master_user (RFC 4616 §2; Dovecot's master users).
  std::string master_user;

  // The client's connection, passed on so the backend logs and rate-limits the real client:
  // IMAP ID (RFC 2971) with Dovecot's x-originating-ip/-port, x-connected-ip/-port and
  // x-session-id fields, POP3 XCLIENT ADDR/PORT/SESSION. The backend believes them only from
  // its trusted networks (Dovecot's login_trusted_networks). Empty client_ip: not passed.
  std::string client_ip;
  uint16_t client_port = 0;
  std::string local_ip;  // the proxy's address the client connected to
  uint16_t local_port = 0;
  std::string session_id;
};

}  // namespace hamesh::proxy::mail
