#pragma once
// The message of the SASL PLAIN mechanism (RFC 4616 §2): [authzid] NUL authcid NUL passwd,
// which the client side decodes (AUTHENTICATE PLAIN / AUTH PLAIN) and the backend side builds
// (a login on the client's behalf, or a master user's: authzid = the user, authcid = master).
// Bytes other than NUL are not checked for UTF-8: passwords in legacy charsets exist, and
// the backend that checks them is the judge.
#include <optional>
#include <string>
#include <string_view>

namespace hamesh::proxy::mail {

struct sasl_plain_message {
  std::string authzid;  // whose mailbox; empty: the authcid's own
  std::string authcid;  // who authenticates; never empty
  std::string passwd;   // never empty

  // authzid NUL authcid NUL passwd, ready for base64.
  std::string encode() const;
};

// nullopt unless `message` has exactly two NULs and non-empty authcid and passwd.
std::optional<sasl_plain_message> parse_sasl_plain_message(std::string_view message);

}  // namespace hamesh::proxy::mail
