#include "actors/proxy/mail/imap_literal_marker.hpp"

namespace hamesh::proxy::mail {

std::optional<imap_literal_marker> find_trailing_literal(std::string_view line) {
  if (line.size() < 3 || line.back() != '}') return std::nullopt;
  size_t end = line.size() - 1;
  imap_literal_marker m;
  if (line[end - 1] == '+') {
    m.synchronizing = false;
    --end;
  }
  size_t begin = end;
  while (begin > 0 && line[begin - 1] >= '0' && line[begin - 1] <= '9') --begin;
  if (begin == end || begin == 0 || line[begin - 1] != '{') return std::nullopt;
  m.open = begin - 1;
  for (size_t i = begin; i < end; ++i) {
    uint64_t digit = uint64_t(line[i] - '0');
    m.size = m.size > (UINT64_MAX - digit) / 10 ? UINT64_MAX : m.size * 10 + digit;
  }
  return m;
}

}  // namespace hamesh::proxy::mail
