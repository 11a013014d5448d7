#include "runtime/ipv4_text.hpp"

#include <cstdio>

namespace hamesh {

std::string format_ipv4(uint32_t a) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
                a & 0xff);
  return buf;
}

std::optional<uint32_t> parse_ipv4(const std::string& text) {
  uint32_t out = 0;
  int parts = 0;
  size_t i = 0;
  while (parts < 4) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') return std::nullopt;
    uint32_t octet = 0;
    size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 4) {
      octet = octet * 10 + uint32_t(text[i] - '0');
      ++i;
      ++digits;
    }
    if (octet > 255 || digits > 3 || (digits > 1 && text[i - digits] == '0')) return std::nullopt;
    out = out << 8 | octet;
    if (++parts < 4) {
      if (i >= text.size() || text[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != text.size()) return std::nullopt;
  return out;
}

}  // namespace hamesh
