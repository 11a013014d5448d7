#pragma once
// A backend's response head as the proxy acts on it: status, fields, framing, and the exact
// bytes with the offset where a field line can be inserted (before the final CRLF).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "actors/proxy/http/http_errc.hpp"
#include "actors/proxy/http/http_framing.hpp"
#include "actors/proxy/http/http_headers.hpp"

namespace hamesh::proxy::http {

struct http_response_head {
  int minor_version = 1;  // HTTP/1.<minor>: 0 or 1
  int status = 0;         // 100..599
  std::string reason;
  http_headers headers;
  // After the no-body rules: none for HEAD, 1xx, 204 and 304 (RFC 9112 §6.3 item 1).
  http_framing framing;
  // The backend connection can carry another response after this one (RFC 9112 §9.3), i.e.
  // persistent by version and Connection, and the body is not delimited by the close.
  bool keep_alive = false;
  // The head's bytes exactly as received, status line through the final empty line.
  std::string raw;
  // Offset in `raw` of the final CRLF: field lines ("Name: value\r\n") inserted here are
  // part of the head.
  size_t fields_end = 0;

  // `raw` with `field_lines` (each ending in CRLF) inserted before the final CRLF: what the
  // proxy sends instead of `raw` to add, say, an affinity Set-Cookie.
  std::string with_fields(std::string_view field_lines) const;
};

// Parses "HTTP/1.x SP 3DIGIT SP reason" (a missing " reason" is tolerated: servers that send
// "HTTP/1.1 200" exist) into `head`; false with `error` set otherwise.
bool parse_status_line(std::string_view line, http_response_head& head, http_error& error);

}  // namespace hamesh::proxy::http
