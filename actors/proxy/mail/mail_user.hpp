#pragma once
// A login name as the proxy routes it (user -> storage pair): "local@domain" split at the
// last '@' (a quoted local part may hold one, RFC 5321 §4.1.2; a domain never does), the
// domain in lower case (domains are case-insensitive, RFC 5321 §2.4; local parts are not,
// so they stay as sent). A name without '@' is a local part alone.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hamesh::proxy::mail {

struct mail_user {
  // RFC 5321 §4.5.3.1: 64 octets of local part, '@', 255 of domain. Longer is refused.
  static constexpr size_t max_length = 64 + 1 + 255;

  std::string local;   // as sent
  std::string domain;  // lower case (ASCII); empty when the name has no '@'

  // "local@domain", or "local" alone.
  std::string name() const;
};

// nullopt (with the reason in `why` when given) for an empty name, one over max_length, a NUL
// or other control character (CTL, DEL: they would end or forge a line on the way to a
// backend or a log), or an empty local part or domain around the '@'. 8-bit bytes are kept
// (RFC 6531 UTF-8 addresses).
std::optional<mail_user> parse_mail_user(std::string_view text, std::string* why = nullptr);

}  // namespace hamesh::proxy::mail
