#pragma once
// Every bound the HTTP core keeps: nothing a peer sends makes it hold more than these.
#include <cstddef>
#include <cstdint>

namespace hamesh::proxy::http {

struct http_limits {
  size_t max_head = 16 * 1024;     // start line + header section, bytes; also the trailer section
  size_t max_header_fields = 100;  // field lines in a head (and in a trailer section)
  size_t max_target = 8 * 1024;    // request target, bytes (414)
  uint64_t max_body = 10 * 1024 * 1024;  // request body, bytes; 0 = unlimited (413)
  size_t max_empty_lines = 8;            // RFC 9112 §2.2: empty lines ignored before a start line
};

}  // namespace hamesh::proxy::http
