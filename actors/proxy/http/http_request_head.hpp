#pragma once
// A request head as the proxy acts on it: the request line, the fields, and what follows
// from them (framing, keep-alive, 100-continue, upgrade, the host to route on).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "actors/proxy/http/http_errc.hpp"
#include "actors/proxy/http/http_framing.hpp"
#include "actors/proxy/http/http_headers.hpp"
#include "actors/proxy/http/http_limits.hpp"

namespace hamesh::proxy::http {

// RFC 9112 §3.2. authority-form (CONNECT) is refused with method_not_supported.
enum class http_target_form { origin, absolute, asterisk };

struct http_request_head {
  std::string method;  // case-sensitive token (RFC 9110 §9.1)
  std::string target;  // exactly as received
  http_target_form target_form = http_target_form::origin;
  std::string path;       // the target's path without the query ("*" for asterisk-form)
  int minor_version = 1;  // HTTP/1.<minor>: 0 or 1
  http_headers headers;
  http_framing framing;  // none, content_length or chunked
  // RFC 9112 §3.2.2: the absolute-form target's authority if any, else the Host field
  // (possibly empty for HTTP/1.0 without Host); with its port, as received.
  std::string host;
  // RFC 9112 §9.3: 1.1 persists unless "Connection: close"; 1.0 only with "keep-alive".
  bool keep_alive = true;
  // RFC 9110 §10.1.1: "Expect: 100-continue" in an HTTP/1.1 request (ignored in 1.0).
  bool expect_100_continue = false;
  // RFC 9110 §7.8: HTTP/1.1 with an Upgrade field and the "upgrade" connection option.
  bool upgrade = false;
};

// Interprets a request line and fields the head reader accepted; false with `error` set
// when the request must be refused. `head` is filled either way (partially on error).
bool build_request_head(std::string_view request_line, http_headers headers,
                        const http_limits& limits, http_request_head& head, http_error& error);

}  // namespace hamesh::proxy::http
