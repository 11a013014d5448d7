#include "actors/proxy/http/http_forwarded_head.hpp"

#include <vector>

#include "runtime/http_syntax.hpp"

namespace hamesh::proxy::http {
namespace {

// The field names the Connection field lists (RFC 9110 §7.6.1).
std::vector<std::string_view> connection_options(const http_headers& headers) {
  std::vector<std::string_view> names;
  for (const auto& f : headers) {
    if (!iequals(f.name, "connection")) continue;
    std::string_view rest = f.value, item;
    while (next_list_element(rest, item))
      if (!item.empty()) names.push_back(item);
  }
  return names;
}

bool hop_by_hop(std::string_view name, const std::vector<std::string_view>& options) {
  for (auto fixed : {"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade"})
    if (iequals(name, fixed)) return true;
  for (auto option : options)
    if (iequals(name, option)) return true;
  return false;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Error";
  }
}

}  // namespace

std::string forwarded_request_head(const http_request_head& head, std::string_view client_ip,
                                   bool forwarded_headers, bool over_tls) {
  std::string out;
  out.reserve(512);
  out.append(head.method).append(" ").append(head.target).append(" HTTP/1.");
  out.push_back(char('0' + head.minor_version));
  out.append("\r\n");
  auto options = connection_options(head.headers);
  for (const auto& f : head.headers) {
    if (hop_by_hop(f.name, options)) continue;
    if (forwarded_headers && iequals(f.name, "x-forwarded-proto")) continue;  // ours replaces it
    out.append(f.name).append(": ").append(f.value).append("\r\n");
  }
  if (head.upgrade) {
    // The one hop-by-hop request the proxy passes on: the backend may switch protocols
    // (RFC 9110 §7.8), and the proxy then tunnels.
    out.append("Connection: upgrade\r\n");
    for (const auto& f : head.headers)
      if (iequals(f.name, "upgrade")) out.append("Upgrade: ").append(f.value).append("\r\n");
  }
  if (forwarded_headers) {
    // A further line of the same list: the backend reads earlier hops first (RFC 9110 §5.3).
    out.append("X-Forwarded-For: ").append(client_ip).append("\r\n");
    out.append(over_tls ? "X-Forwarded-Proto: https\r\n" : "X-Forwarded-Proto: http\r\n");
  }
  out.append("\r\n");
  return out;
}

std::string proxy_reply(int status, bool head_request) {
  std::string body = std::to_string(status) + " " + reason_phrase(status) + "\n";
  std::string out =
      "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) +
      "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n";
  if (!head_request) out += body;
  return out;
}

std::string proxy_redirect(std::string_view location, bool keep_method, bool head_request) {
  std::string body = "Moved to " + std::string(location) + "\n";
  std::string out =
      keep_method ? "HTTP/1.1 308 Permanent Redirect" : "HTTP/1.1 301 Moved Permanently";
  out.append("\r\nLocation: ").append(location);
  out.append("\r\nContent-Type: text/plain\r\nContent-Length: ")
      .append(std::to_string(body.size()));
  out.append("\r\nConnection: close\r\n\r\n");
  if (!head_request) out += body;
  return out;
}

}  // namespace hamesh::proxy::http
