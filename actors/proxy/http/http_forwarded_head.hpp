#pragma once
// The request head the proxy sends to a backend, rebuilt from the parsed head (pure): the
// request line as received, the fields as received minus the hop-by-hop ones (RFC 9110
// §7.6.1: Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade and every field the
// Connection field names), plus X-Forwarded-For / X-Forwarded-Proto when asked.
// Content-Length and Transfer-Encoding stay: the body is forwarded as received.
#include <string>
#include <string_view>

#include "actors/proxy/http/http_request_head.hpp"

namespace hamesh::proxy::http {

// An upgrade request keeps its Upgrade field (with "Connection: upgrade"): the proxy tunnels
// after 101. X-Forwarded-Proto says https when the client came over TLS.
std::string forwarded_request_head(const http_request_head& head, std::string_view client_ip,
                                   bool forwarded_headers, bool over_tls = false);

// A small text/plain answer the proxy gives itself (errors), always with Connection: close;
// no body to a HEAD request (RFC 9110 §9.3.2).
std::string proxy_reply(int status, bool head_request);

// A redirect the proxy answers itself (http to https): 301, or 308 when the method and body
// must be kept (RFC 9110 §15.4.9), with Connection: close.
std::string proxy_redirect(std::string_view location, bool keep_method, bool head_request);

}  // namespace hamesh::proxy::http
