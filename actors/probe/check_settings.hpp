#pragma once
// One health check as the config describes it: what to ask, of whom, how often, and how
// many answers in a row change the verdict (keepalived's checkers, haproxy's rise/fall).
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "runtime/duration.hpp"

namespace hamesh::probe {

enum class check_kind { icmp, tcp, http, https, smtp, imap, pop3, script };

const char* to_string(check_kind kind);

// The protocol's well-known port (IANA), used where a check names none; 0 for icmp, tcp and
// script, which have none.
uint16_t well_known_port(check_kind kind);

struct check_settings {
  check_kind kind = check_kind::tcp;
  std::string host;   // numeric IPv4 address or a name resolved at each check
  uint16_t port = 0;  // unused for icmp and script

  duration interval = std::chrono::seconds(2);
  duration timeout = std::chrono::seconds(1);  // one attempt never takes longer
  int rise = 2;                                // successes in a row that bring it up
  int fall = 3;                                // failures in a row that take it down

  // http, https
  std::string path = "/";
  std::string host_header;  // empty: the target's host
  // Accepted status codes as inclusive ranges; default 200..399 (haproxy's httpchk).
  std::vector<std::pair<int, int>> status = {{200, 399}};
  std::string digest;  // lowercase hex MD5 of the body (keepalived's HTTP_GET digest); empty: none
  bool tls_verify = false;        // https: verify the chain and the name
  std::filesystem::path ca_file;  // https: trust anchors when verifying; empty: system store
  std::string sni;                // https: server name; empty: host_header, then host

  // smtp
  std::string helo_name = "hamesh";

  // imap, pop3: when user is set, log in (and out) as well as read the greeting
  std::string user;
  std::string password;

  // script: argv, run without a shell; exit 0 is success
  std::vector<std::string> command;

  std::string fingerprint() const;
};

}  // namespace hamesh::probe
