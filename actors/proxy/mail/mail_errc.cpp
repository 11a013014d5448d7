#include "actors/proxy/mail/mail_errc.hpp"

namespace hamesh::proxy::mail {

const char* to_string(mail_errc reason) {
  switch (reason) {
    case mail_errc::none:
      return "none";
    case mail_errc::line_too_long:
      return "line_too_long";
    case mail_errc::literal_too_large:
      return "literal_too_large";
    case mail_errc::too_many_literals:
      return "too_many_literals";
    case mail_errc::too_many_bad_commands:
      return "too_many_bad_commands";
    case mail_errc::too_many_failed_logins:
      return "too_many_failed_logins";
    case mail_errc::missing_tag:
      return "missing_tag";
    case mail_errc::bad_syntax:
      return "bad_syntax";
    case mail_errc::unknown_command:
      return "unknown_command";
    case mail_errc::command_not_allowed:
      return "command_not_allowed";
    case mail_errc::unsupported_mechanism:
      return "unsupported_mechanism";
    case mail_errc::authentication_cancelled:
      return "authentication_cancelled";
    case mail_errc::bad_base64:
      return "bad_base64";
    case mail_errc::bad_sasl_message:
      return "bad_sasl_message";
    case mail_errc::bad_username:
      return "bad_username";
    case mail_errc::empty_password:
      return "empty_password";
    case mail_errc::plaintext_disallowed:
      return "plaintext_disallowed";
    case mail_errc::no_user_given:
      return "no_user_given";
    case mail_errc::authentication_failed:
      return "authentication_failed";
    case mail_errc::tls_not_available:
      return "tls_not_available";
    case mail_errc::tls_already_active:
      return "tls_already_active";
    case mail_errc::backend_closed:
      return "backend_closed";
    case mail_errc::backend_bye:
      return "backend_bye";
    case mail_errc::backend_malformed_reply:
      return "backend_malformed_reply";
    case mail_errc::backend_unexpected_reply:
      return "backend_unexpected_reply";
    case mail_errc::backend_line_too_long:
      return "backend_line_too_long";
    case mail_errc::backend_no_usable_mechanism:
      return "backend_no_usable_mechanism";
    case mail_errc::backend_unavailable:
      return "backend_unavailable";
  }
  return "?";
}

}  // namespace hamesh::proxy::mail
