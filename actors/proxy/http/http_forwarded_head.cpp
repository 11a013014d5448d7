#include "actors/proxy/http/http_forwarded_head.hpp"

#include <vector>

namespace hamesh::proxy::http {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The field names the Connection field lists (RFC 9110 §7.6.1).
std::vector<std::string_view> connection_options(const http_headers& headers) {
  std::vector<std::string_view> names;
  for (const auto& f : headers) {
    if (!iequals(f.name, "connection")) continue;
    std::string_view rest = f.value;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      auto item = trim(rest.substr(0, comma));
      if (!item.empty()) names.push_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
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
                                   bool forwarded_headers) {
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
  if (forwarded_headers) {
    // A further line of the same list: the backend reads earlier hops first (RFC 9110 §5.3).
    out.append("X-Forwarded-For: ").append(client_ip).append("\r\n");
    out.append("X-Forwarded-Proto: http\r\n");
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

}  // namespace hamesh::proxy::http
