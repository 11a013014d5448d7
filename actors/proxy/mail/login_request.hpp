#pragma once
// A client asked to log in: what the shell needs to route the user to a storage pair and to
// log in there on the client's behalf (imap_backend_login / pop3_backend_login). Holds a
// password: never log it, and let it go once the backend has answered.
#include <optional>
#include <string>

#include "actors/proxy/mail/mail_errc.hpp"
#include "actors/proxy/mail/mail_user.hpp"

namespace hamesh::proxy::mail {

struct login_request {
  enum class mechanism {
    login,  // IMAP LOGIN (RFC 3501 §6.2.3), POP3 USER/PASS (RFC 1939 §7)
    plain,  // SASL PLAIN (RFC 4616) by IMAP AUTHENTICATE (RFC 3501 §6.2.2) or POP3 AUTH (RFC 5034)
  };
  mechanism how = mechanism::login;
  // The mailbox to open: PLAIN's authzid when the client sent one, else the login name.
  mail_user user;
  // Who proves it: the login name (PLAIN's authcid), as sent.
  std::string authcid;
  // PLAIN's authzid as sent; empty when none. Differing from authcid it asks for a login as
  // someone else (a master user's, in Dovecot's terms): the shell decides whether to allow it.
  std::string authzid;
  std::string password;
};

// The request a client's credentials make, or nullopt with `why` when they are refused
// without asking a backend: bad_username (mail_user's rules, for the authcid and the authzid)
// or empty_password (the grammar of IMAP LOGIN and POP3 PASS allows one; PLAIN does not,
// RFC 4616 §2, and a login with nothing to check is one the proxy does not forward).
std::optional<login_request> make_login_request(login_request::mechanism how, std::string authzid,
                                                std::string authcid, std::string password,
                                                mail_errc& why);

}  // namespace hamesh::proxy::mail
