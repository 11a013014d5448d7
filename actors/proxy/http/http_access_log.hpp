#pragma once
// The access log: one line per request answered, in the Common Log Format (with the pool,
// the server and the time taken appended) or as one JSON object. Pure: a record in, a line
// out; the listener actor writes the lines.
#include <cstdint>
#include <string>

namespace hamesh::proxy::http {

struct http_access_record {
  std::string client;  // dotted quad
  std::string method;  // "-" when the request line never parsed
  std::string target;
  int minor_version = 1;
  int status = 0;
  uint64_t bytes = 0;  // response bytes sent to the client
  int64_t duration_us = 0;
  int64_t at_ms = 0;   // wall clock of the answer, ms since the epoch
  std::string pool;    // "-" when no route matched
  std::string server;  // "ADDRESS:PORT", "-" when the proxy answered itself
};

enum class http_access_format { common, json };

std::string format_access(const http_access_record& r, http_access_format f);

}  // namespace hamesh::proxy::http
