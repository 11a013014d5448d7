#include "actors/proxy/http/http_affinity.hpp"

#include <cstdio>

#include "runtime/http_syntax.hpp"

namespace hamesh::proxy::http {

std::string affinity_token(const http_server_address& server) {
  // FNV-1a over address and port: stable across restarts and nodes, so every proxy of a
  // cluster honours the others' cookies.
  uint32_t h = 2166136261u;
  auto mix = [&](uint32_t byte) { h = (h ^ byte) * 16777619u; };
  for (int shift = 24; shift >= 0; shift -= 8) mix((server.address >> shift) & 0xff);
  mix(server.port >> 8);
  mix(server.port & 0xff);
  char buf[16];
  std::snprintf(buf, sizeof buf, "h%08x", h);
  return buf;
}

std::optional<size_t> server_from_cookie(const http_headers& headers, std::string_view name,
                                         const std::vector<http_server_address>& servers) {
  for (auto& field : headers) {
    if (!iequals(field.name, "Cookie")) continue;
    // "a=1; NAME=token; b=2" (RFC 6265 §4.2.1)
    std::string_view rest = field.value;
    while (!rest.empty()) {
      auto semi = rest.find(';');
      auto pair = rest.substr(0, semi);
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      auto eq = pair.find('=');
      if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
      auto value = pair.substr(eq + 1);
      for (size_t i = 0; i < servers.size(); ++i)
        if (value == affinity_token(servers[i])) return i;
    }
  }
  return std::nullopt;
}

size_t server_from_source(uint32_t client_address, size_t servers) {
  // A multiplicative hash: neighbouring addresses spread over the servers.
  return servers == 0 ? 0 : size_t((client_address * 2654435761u) >> 8) % servers;
}

std::string affinity_cookie_line(std::string_view name, const http_server_address& server) {
  return "Set-Cookie: " + std::string(name) + "=" + affinity_token(server) +
         "; Path=/; HttpOnly\r\n";
}

}  // namespace hamesh::proxy::http
