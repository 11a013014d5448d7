#pragma once
// Session affinity: which server a client should stay with. `cookie`: the proxy inserts a
// cookie naming the server (an opaque token, not its address) and honours it on the next
// requests while that server is up; `source`: the client's IPv4 address picks the server.
// Pure.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/proxy/http/http_engine_settings.hpp"
#include "actors/proxy/http/http_headers.hpp"

namespace hamesh::proxy::http {

// The token a server's cookie carries: "h" and 8 hex digits of a hash of its address.
std::string affinity_token(const http_server_address& server);

// The index of the server whose token the request's Cookie fields carry under `name`.
std::optional<size_t> server_from_cookie(const http_headers& headers, std::string_view name,
                                         const std::vector<http_server_address>& servers);

// The server a client address maps to (before eligibility: the caller falls back when it is
// down).
size_t server_from_source(uint32_t client_address, size_t servers);

// The Set-Cookie field line (with its CRLF) that pins a client to `server`.
std::string affinity_cookie_line(std::string_view name, const http_server_address& server);

}  // namespace hamesh::proxy::http
