#include "actors/proxy/mail/imap_syntax.hpp"

namespace hamesh::proxy::mail {

bool is_atom_char(unsigned char c) {
  if (c <= 0x1f || c >= 0x7f) return false;  // CTL, DEL and 8-bit: not CHAR or CTL
  switch (c) {
    case '(':
    case ')':
    case '{':
    case ' ':
    case '%':
    case '*':
    case '"':
    case '\\':
    case ']':
      return false;
    default:
      return true;
  }
}

bool is_astring_char(unsigned char c) {
  return c == ']' || is_atom_char(c);
}

bool is_tag_char(unsigned char c) {
  return c != '+' && is_astring_char(c);
}

bool is_imap_atom(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!is_atom_char(c)) return false;
  return true;
}

bool is_imap_tag(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!is_tag_char(c)) return false;
  return true;
}

bool imap_quotable(std::string_view s) {
  for (unsigned char c : s)
    if (c == 0 || c == '\r' || c == '\n' || c >= 0x80) return false;
  return true;
}

bool imap_literal_safe(std::string_view s) {
  return s.find('\0') == std::string_view::npos;
}

std::string imap_quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::optional<std::string> imap_string(std::string_view s) {
  if (imap_quotable(s)) return imap_quoted(s);
  if (!imap_literal_safe(s)) return std::nullopt;
  std::string out = "{" + std::to_string(s.size()) + "}\r\n";
  out.append(s.data(), s.size());
  return out;
}

}  // namespace hamesh::proxy::mail
