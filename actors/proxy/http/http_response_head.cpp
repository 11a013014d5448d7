#include "actors/proxy/http/http_response_head.hpp"

#include "runtime/http_syntax.hpp"

namespace hamesh::proxy::http {

std::string http_response_head::with_fields(std::string_view field_lines) const {
  std::string out;
  out.reserve(raw.size() + field_lines.size());
  out.append(raw, 0, fields_end);
  out.append(field_lines.data(), field_lines.size());
  out.append(raw, fields_end, std::string::npos);
  return out;
}

bool parse_status_line(std::string_view line, http_response_head& head, http_error& error) {
  // RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ].
  auto bad = [&error](const char* text) {
    error = {http_errc::bad_status_line, text};
    return false;
  };
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ')
    return bad("status line is not \"HTTP/1.x NNN reason\"");
  if (line[7] != '0' && line[7] != '1') return bad("HTTP version other than 1.0 or 1.1");
  int code = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return bad("status code is not three digits");
    code = code * 10 + (line[i] - '0');
  }
  if (code < 100 || code > 599) return bad("status code out of range");
  if (line.size() > 12 && line[12] != ' ') return bad("status code is not three digits");
  std::string_view reason = line.size() > 13 ? line.substr(13) : std::string_view();
  for (unsigned char c : reason)
    if (!is_field_value_char(c)) return bad("control character in the reason phrase");
  head.minor_version = line[7] - '0';
  head.status = code;
  head.reason = std::string(reason);
  return true;
}

}  // namespace hamesh::proxy::http
