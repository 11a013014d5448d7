#pragma once
// The character classes and small grammars of RFC 9110 §5.6 that every HTTP piece shares
// (the proxy's parsers and the probes' response parser): tokens, OWS, comma-separated lists,
// case-insensitive comparison.
#include <cstdint>
#include <string_view>

namespace hamesh {

// RFC 9110 §5.6.2: tchar.
bool is_tchar(unsigned char c);
// 1*tchar.
bool is_token(std::string_view s);
// RFC 9110 §5.5: field-vchar / SP / HTAB (obs-text included); excludes every other CTL.
bool is_field_value_char(unsigned char c);
inline bool is_ows(char c) {
  return c == ' ' || c == '\t';
}
std::string_view trim_ows(std::string_view s);
// ASCII case-insensitive equality (field names, codings, connection options).
bool iequals(std::string_view a, std::string_view b);

// RFC 9110 §5.6.1 lists: takes the next element off `list` (trimmed of OWS, possibly empty)
// and returns true, or returns false when `list` is exhausted. A field value (never a null
// view) yields at least one element; "a," yields "a" and "" (strict callers reject empties).
bool next_list_element(std::string_view& list, std::string_view& element);

// 1*DIGIT into `value`; false on anything else or on overflowing 64 bits.
bool parse_decimal(std::string_view digits, uint64_t& value);

// RFC 3986 §3.2.2/§3.2.3 host [ ":" port ] as it appears in Host or an absolute-form
// authority: reg-name / IPv4 / IP-literal characters only, no userinfo. Empty is valid (RFC
// 9112 §3.2: a client sends an empty Host when the target has no authority).
bool is_valid_authority(std::string_view authority);

// The host without a port: "example.com:8080" -> "example.com", "[::1]:80" -> "[::1]".
std::string_view host_without_port(std::string_view authority);

}  // namespace hamesh
