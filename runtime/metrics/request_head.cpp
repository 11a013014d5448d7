#include "runtime/metrics/request_head.hpp"

namespace hamesh::metrics {
namespace {

request_head bad(int status) {
  request_head h;
  h.status = request_head::result::bad;
  h.error_status = status;
  return h;
}

bool is_token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '!' || c == '#' || c == '$' || c == '%' || c == '&' ||
         c == '\'' || c == '*' || c == '+' || c == '^' || c == '`' || c == '|' || c == '~';
}

}  // namespace

request_head parse_request_head(std::string_view data, size_t max_head) {
  constexpr size_t max_target = 2048;
  auto end = data.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (data.size() > max_head) return bad(431);
    // The request line alone can already be judged once it is complete or too long.
    auto eol = data.find("\r\n");
    if (eol == std::string_view::npos && data.size() > max_target + 32) return bad(414);
    return {};
  }
  if (end + 4 > max_head) return bad(431);
  std::string_view line = data.substr(0, data.find("\r\n"));
  auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return bad(400);
  auto sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return bad(400);
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  for (char c : method)
    if (!is_token_char(c)) return bad(400);
  if (target.size() > max_target) return bad(414);
  for (char c : target)
    if (c <= ' ' || c == 0x7f) return bad(400);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return bad(400);
  request_head h;
  h.status = request_head::result::complete;
  h.method = std::string(method);
  h.target = std::string(target);
  h.head_size = end + 4;
  return h;
}

}  // namespace hamesh::metrics
