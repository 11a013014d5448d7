#pragma once
// The character classes of IMAP4rev1's formal syntax (RFC 3501 §9) that the command reader,
// the backend's response parser and the string encoder share, and the encoder itself: how a
// string goes on the wire as a quoted string or a literal (RFC 3501 §4.3).
#include <optional>
#include <string>
#include <string_view>

namespace hamesh::proxy::mail {

// ATOM-CHAR: a CHAR (%x01-7F) that is not an atom-special: "(" ")" "{" SP CTL "%" "*" DQUOTE
// "\" "]".
bool is_atom_char(unsigned char c);
// ASTRING-CHAR: ATOM-CHAR or "]".
bool is_astring_char(unsigned char c);
// A tag's characters: ASTRING-CHAR except "+".
bool is_tag_char(unsigned char c);
// 1*ATOM-CHAR.
bool is_imap_atom(std::string_view s);
// 1*<tag characters>.
bool is_imap_tag(std::string_view s);

// Whether `s` can be a quoted string: TEXT-CHARs only (7-bit, no NUL, CR or LF). 8-bit bytes
// need a literal in IMAP4rev1 (CHAR is 7-bit); NUL cannot be sent at all (CHAR8 is %x01-ff).
bool imap_quotable(std::string_view s);
// Whether `s` can be a literal: no NUL.
bool imap_literal_safe(std::string_view s);
// DQUOTE s DQUOTE with DQUOTE and "\" escaped by "\". Only for imap_quotable(s).
std::string imap_quoted(std::string_view s);
// As a server sends a string to a client: quoted when it can be, else a literal
// "{N}" CRLF and the bytes (a server's literals never wait for a continuation). nullopt for a
// string with a NUL.
std::optional<std::string> imap_string(std::string_view s);

}  // namespace hamesh::proxy::mail
