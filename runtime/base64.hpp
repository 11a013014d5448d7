#pragma once
// Base64 (RFC 4648 §4, the standard alphabet with padding), strict on decoding: the SASL
// exchanges of IMAP and POP3 (RFC 4616 PLAIN inside RFC 3501 §6.2.2 / RFC 5034) and anything
// else that carries credentials must not accept two spellings of the same bytes.
#include <optional>
#include <string>
#include <string_view>

namespace hamesh {

// Always padded to a multiple of 4 characters; "" for no bytes.
std::string base64_encode(std::string_view bytes);

// nullopt unless `text` is the canonical encoding of some bytes: a multiple of 4 characters
// from the alphabet, '=' only as the one or two last characters, and the unused bits of the
// last character zero (RFC 4648 §3.5). No whitespace or line breaks (§3.3). "" decodes to "".
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace hamesh
