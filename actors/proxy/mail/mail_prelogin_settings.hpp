#pragma once
// What a listener offers its clients before login, IMAP and POP3 alike (parsed once from the
// listener's config section; the state machines see only this struct).
#include <string>
#include <utility>
#include <vector>

namespace hamesh::proxy::mail {

struct mail_prelogin_settings {
  // The greeting's text: "* OK [CAPABILITY ...] <greeting>" / "+OK <greeting>".
  std::string greeting = "hamesh ready.";
  // A certificate is configured: STARTTLS / STLS is offered while the connection is plain.
  bool tls_available = false;
  // The connection is secure from its first byte (implicit TLS, ports 993 and 995).
  bool tls_active = false;
  // Passwords accepted on a connection without TLS. Off by default: RFC 3501 §6.2.3 and
  // RFC 2595 §2.3 ask for a configuration that refuses them, and ours is that one.
  bool allow_plaintext_auth = false;

  // IMAP: the extensions offered before login.
  bool imap_sasl_ir = true;  // RFC 4959: AUTHENTICATE with an initial response
  bool imap_id = true;       // RFC 2971: the ID command
  enum class literal_extension { none, literal_plus, literal_minus };  // RFC 7888
  literal_extension imap_literals = literal_extension::literal_plus;
  // RFC 2971: what "* ID" answers; empty: "* ID NIL".
  std::vector<std::pair<std::string, std::string>> imap_server_id;

  // POP3: the CAPA IMPLEMENTATION line (RFC 2449 §6.9); empty: not listed.
  std::string pop3_implementation;
};

}  // namespace hamesh::proxy::mail
