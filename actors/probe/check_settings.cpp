#include "actors/probe/check_settings.hpp"

#include "actors/probe/hex_digest.hpp"

#include <openssl/evp.h>

namespace hamesh::probe {
namespace {

// Strings go in quoted with \ and " escaped, so no two different settings can give the same
// fingerprint by moving characters between neighbouring fields.
void add(std::string& out, const char* name, std::string_view value) {
  out += name;
  out += "=\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += "\";";
}

void add(std::string& out, const char* name, long long value) {
  out += name;
  out += '=';
  out += std::to_string(value);
  out += ';';
}

}  // namespace

const char* to_string(check_kind kind) {
  switch (kind) {
    case check_kind::icmp:
      return "icmp";
    case check_kind::tcp:
      return "tcp";
    case check_kind::http:
      return "http";
    case check_kind::https:
      return "https";
    case check_kind::smtp:
      return "smtp";
    case check_kind::imap:
      return "imap";
    case check_kind::pop3:
      return "pop3";
    case check_kind::script:
      return "script";
  }
  return "?";
}

std::string check_settings::fingerprint() const {
  std::string out;
  add(out, "kind", to_string(kind));
  add(out, "host", host);
  add(out, "port", port);
  add(out, "interval_ns", static_cast<long long>(interval.count()));
  add(out, "timeout_ns", static_cast<long long>(timeout.count()));
  add(out, "rise", rise);
  add(out, "fall", fall);
  add(out, "path", path);
  add(out, "host_header", host_header);
  std::string ranges;
  for (const auto& [low, high] : status)
    ranges += std::to_string(low) + "-" + std::to_string(high) + ",";
  add(out, "status", ranges);
  add(out, "digest", digest);
  add(out, "tls_verify", tls_verify ? 1 : 0);
  add(out, "ca_file", ca_file.string());
  add(out, "sni", sni);
  add(out, "helo_name", helo_name);
  add(out, "user", user);
  add(out, "password_sha256",
      password.empty() ? std::string{} : hex_digest(EVP_sha256(), password));
  add(out, "command_size", static_cast<long long>(command.size()));
  for (const auto& arg : command) add(out, "arg", arg);
  return out;
}

uint16_t well_known_port(check_kind kind) {
  switch (kind) {
    case check_kind::http:
      return 80;
    case check_kind::https:
      return 443;
    case check_kind::smtp:
      return 25;
    case check_kind::imap:
      return 143;
    case check_kind::pop3:
      return 110;
    default:
      return 0;
  }
}

}  // namespace hamesh::probe
