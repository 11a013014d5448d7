#pragma once
// Why the mail proxy refused something, on either side of a login: a client's command before
// login (RFC 3501 IMAP4rev1, RFC 1939 POP3 and their SASL/TLS extensions) or a backend's reply
// while the proxy logs in for the client. One enum for the domain, like http_errc; each value
// names the rule or limit it comes from. The client-facing words are the state machines';
// these are for counters and logs.
#include <string>

namespace hamesh::proxy::mail {

enum class mail_errc {
  none,
  // Limits (mail_limits): the connection is closed after answering.
  line_too_long,           // a command's text over mail_limits::max_line
  literal_too_large,       // a literal over max_literal (RFC 7888: a non-synchronising one closes)
  too_many_literals,       // more literals in one command than max_command_literals
  too_many_bad_commands,   // more refused commands than max_bad_commands
  too_many_failed_logins,  // as many failed logins as max_failed_logins
  // Command syntax (RFC 3501 §9, RFC 1939 §3).
  missing_tag,          // an IMAP line without a valid tag: answered with an untagged BAD
  bad_syntax,           // arguments that do not follow the command's grammar
  unknown_command,      // not a command of the protocol (or of its extensions we offer)
  command_not_allowed,  // a real command, but not before login (RFC 3501 §6.3-6.4, RFC 1939 §5)
  // Authentication (RFC 3501 §6.2, RFC 1939 §7, RFC 5034, RFC 4616).
  unsupported_mechanism,     // a SASL mechanism other than PLAIN
  authentication_cancelled,  // "*" in place of a SASL response (RFC 3501 §6.2.2, RFC 5034 §4)
  bad_base64,                // a SASL response that is not strict RFC 4648 base64
  bad_sasl_message,          // a PLAIN message not [authzid] NUL authcid NUL passwd (RFC 4616 §2)
  bad_username,              // empty, a control character, an empty local part or domain
  empty_password,            // nothing to check: refused without asking a backend
  plaintext_disallowed,      // a password on a connection without TLS (RFC 3501 §6.2.3, RFC 2595)
  no_user_given,             // POP3 PASS not right after a successful USER (RFC 1939 §7)
  authentication_failed,     // the backend (or the proxy) rejected the credentials
  // STARTTLS / STLS (RFC 2595).
  tls_not_available,   // no certificate configured
  tls_already_active,  // TLS is on already (a second STARTTLS, or an implicit-TLS port)
  // The backend, while the proxy logs in (the shell may try the pair's other member).
  backend_closed,            // the connection ended before a verdict
  backend_bye,               // IMAP BYE, or a POP3 greeting that is -ERR
  backend_malformed_reply,   // a line that is not the protocol
  backend_unexpected_reply,  // a valid reply that makes no sense here (unknown tag, PREAUTH, BAD)
  backend_line_too_long,     // a reply line over mail_limits::max_line
  backend_no_usable_mechanism,  // neither LOGIN nor AUTH=PLAIN (or PLAIN needed for a master user)
  backend_unavailable,          // IMAP NO [UNAVAILABLE], POP3 -ERR [SYS/TEMP] or [SYS/PERM]
};

// "line_too_long", "backend_bye", ...: for logs and counters.
const char* to_string(mail_errc reason);

// An error as a value: the reason and a sentence for the log (never a password).
struct mail_error {
  mail_errc reason = mail_errc::none;
  std::string text;
};

}  // namespace hamesh::proxy::mail
