#pragma once
// Text helpers both protocols share: case folding for keywords (IMAP atoms and POP3 keywords
// compare case-insensitively, RFC 3501 §9, RFC 1939 §3), and text from elsewhere (a
// backend's NO or -ERR, its capability list) made safe to put in a reply line to a client.
#include <cstddef>
#include <string>
#include <string_view>

namespace hamesh::proxy::mail {

// `s` with ASCII a-z in upper case; other bytes as they are.
std::string ascii_upper(std::string_view s);

// `text` with every CTL (NUL, CR, LF, ...) and DEL turned into a space, so that it cannot end
// the line early or forge another, leading and trailing spaces dropped, cut to `max_bytes`
// (RFC 2449 §4: POP3 response lines fit in 512 octets).
std::string reply_text(std::string_view text, size_t max_bytes = 400);

}  // namespace hamesh::proxy::mail
