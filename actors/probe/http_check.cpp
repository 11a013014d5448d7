// HTTP_GET / SSL_GET: one GET, the status against the accepted ranges and, when configured,
// the MD5 of the body against the expected digest (keepalived's HTTP_GET digest).
#include <openssl/evp.h>

#include "actors/probe/check_attempt.hpp"
#include "actors/probe/hex_digest.hpp"
#include "actors/probe/http_response.hpp"
#include "actors/probe/tls_stream.hpp"

namespace hamesh::probe {
namespace {

std::string lowercase(std::string text) {
  for (char& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return text;
}

std::string format_ranges(const std::vector<std::pair<int, int>>& ranges) {
  std::string out;
  for (const auto& [low, high] : ranges) {
    if (!out.empty()) out += ",";
    out += std::to_string(low);
    if (high != low) out += "-" + std::to_string(high);
  }
  return out.empty() ? "none" : out;
}

bool accepted(int status, const std::vector<std::pair<int, int>>& ranges) {
  for (const auto& [low, high] : ranges)
    if (status >= low && status <= high) return true;
  return false;
}

std::string request_for(const check_settings& check, uint16_t port) {
  std::string host = check.host_header;
  if (host.empty()) {
    // RFC 9110 §7.2: the port is left out when it is the scheme's default.
    uint16_t scheme_port = check.kind == check_kind::https ? 443 : 80;
    host = check.host;
    if (port != scheme_port) host += ":" + std::to_string(port);
  }
  std::string path = check.path.empty() ? "/" : check.path;
  return "GET " + path + " HTTP/1.1\r\nHost: " + host +
         "\r\nUser-Agent: hamesh-probe\r\nConnection: close\r\n\r\n";
}

// A Host header may carry a port; a TLS server name never does (RFC 6066 §3).
std::string without_port(const std::string& host) {
  size_t colon = host.rfind(':');
  if (colon == std::string::npos || colon + 1 == host.size()) return host;
  for (size_t i = colon + 1; i < host.size(); ++i)
    if (host[i] < '0' || host[i] > '9') return host;
  return host.substr(0, colon);
}

// The conversation, the same over plain TCP and TLS.
template <typename Stream>
check_result exchange(const check_attempt& attempt, Stream& stream) {
  const auto& check = attempt.check;
  auto sent =
      stream.write_all(request_for(check, ntohs(attempt.target.sin_port)), attempt.deadline);
  if (!sent.ok()) return failed_check(attempt.describe(sent, "the request to be sent"));

  http_response_parser parser(!check.digest.empty());
  char buffer[16 * 1024];
  while (parser.current() == http_response_parser::state::need_more) {
    auto got = stream.read_some(buffer, sizeof buffer, attempt.deadline);
    if (got.status == io_status::closed) {
      parser.finish();
    } else if (!got.ok()) {
      return failed_check(
          attempt.describe(got, parser.head_complete() ? "the body" : "the status line"));
    } else {
      parser.feed(std::string_view(buffer, got.bytes));
    }
  }
  if (parser.current() == http_response_parser::state::error)
    return failed_check("bad response: " + parser.error());

  std::string status = std::to_string(parser.status_code());
  if (!accepted(parser.status_code(), check.status))
    return failed_check("HTTP " + status + " (expected " + format_ranges(check.status) + ")");
  if (!check.digest.empty()) {
    std::string actual = hex_digest(EVP_md5(), parser.body());
    if (actual != lowercase(check.digest))
      return failed_check("digest mismatch: HTTP " + status + " body MD5 is " + actual);
  }
  return passed_check(parser.reason().empty() ? status : status + " " + parser.reason());
}

}  // namespace

check_result run_http_check(const check_attempt& attempt) {
  const auto& check = attempt.check;
  if (!fits_in_one_line(check.path) || check.path.find(' ') != std::string::npos ||
      !fits_in_one_line(check.host_header))
    return failed_check("path or Host header contains a space or a line break");

  deadline_socket socket;
  auto connected = socket.connect(attempt.target, attempt.deadline);
  if (!connected.ok()) return failed_check(attempt.describe(connected, "the connection"));
  if (check.kind == check_kind::http) return exchange(attempt, socket);

  tls_client_options options;
  options.server_name = !check.sni.empty()           ? check.sni
                        : !check.host_header.empty() ? without_port(check.host_header)
                                                     : check.host;
  options.verify = check.tls_verify;
  options.ca_file = check.ca_file;
  tls_stream tls(std::move(socket));
  auto shaken = tls.handshake(options, attempt.deadline);
  if (!shaken.ok()) return failed_check(attempt.describe(shaken, "the TLS handshake"));
  return exchange(attempt, tls);
}

}  // namespace hamesh::probe
