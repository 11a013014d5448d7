#include "actors/proxy/mail/mail_text.hpp"

namespace hamesh::proxy::mail {

std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
  return out;
}

std::string reply_text(std::string_view text, size_t max_bytes) {
  std::string out;
  out.reserve(text.size() < max_bytes ? text.size() : max_bytes);
  for (unsigned char c : text) {
    if (out.size() >= max_bytes) break;
    out += (c < 0x20 || c == 0x7f) ? ' ' : char(c);
  }
  size_t first = out.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  size_t last = out.find_last_not_of(' ');
  return out.substr(first, last - first + 1);
}

}  // namespace hamesh::proxy::mail
