#include "runtime/http_syntax.hpp"

#include <limits>

namespace hamesh {

bool is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return c != 0 &&
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

bool is_field_value_char(unsigned char c) {
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x | 0x20);
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y | 0x20);
    if (x != y) return false;
  }
  return true;
}

bool next_list_element(std::string_view& list, std::string_view& element) {
  if (list.data() == nullptr) return false;
  size_t comma = list.find(',');
  if (comma == std::string_view::npos) {
    element = trim_ows(list);
    list = std::string_view();  // exhausted: a null view, so "" still yields one element
    return true;
  }
  element = trim_ows(list.substr(0, comma));
  list.remove_prefix(comma + 1);
  return true;
}

bool parse_decimal(std::string_view digits, uint64_t& value) {
  if (digits.empty()) return false;
  uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (n > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
    n = n * 10 + d;
  }
  value = n;
  return true;
}

bool is_valid_authority(std::string_view authority) {
  std::string_view host = host_without_port(authority);
  std::string_view port = authority.substr(host.size());
  if (!port.empty()) {
    port.remove_prefix(1);  // ':'
    for (char c : port)
      if (c < '0' || c > '9') return false;
  }
  if (!host.empty() && host.front() == '[') {
    // IP-literal: hex digits, colons, dots (IPv6 / IPv4-mapped) inside the brackets.
    if (host.size() < 3 || host.back() != ']') return false;
    for (char c : host.substr(1, host.size() - 2)) {
      bool hex = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
      if (!hex && c != ':' && c != '.') return false;
    }
    return true;
  }
  // reg-name: unreserved / pct-encoded / sub-delims.
  for (char c : host) {
    bool alnum = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
    if (!alnum && std::string_view("-._~%!$&'()*+,;=").find(c) == std::string_view::npos)
      return false;
  }
  return true;
}

std::string_view host_without_port(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close != std::string_view::npos &&
        (close + 1 == authority.size() || authority[close + 1] == ':'))
      return authority.substr(0, close + 1);
    return authority;  // malformed: is_valid_authority rejects it
  }
  size_t colon = authority.find(':');
  return colon == std::string_view::npos ? authority : authority.substr(0, colon);
}

}  // namespace hamesh
