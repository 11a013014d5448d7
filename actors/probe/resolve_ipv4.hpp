#pragma once
// A check's host as an IPv4 address: a dotted quad as is, a name through the system resolver.
#include <netinet/in.h>

#include <string>

namespace hamesh::probe {

struct ipv4_lookup {
  bool ok = false;
  in_addr address{};  // network byte order
  std::string error;  // "resolve db.example: Name or service not known"
};

// Blocking: getaddrinfo() takes no deadline, so a dead resolver can hold the calling thread
// past a check's timeout (bounded by resolv.conf's timeout x attempts). Acceptable because
// checks run on their own worker; numeric hosts, the common case, never reach the resolver.
ipv4_lookup resolve_ipv4(const std::string& host);

bool is_numeric_ipv4(const std::string& host);

}  // namespace hamesh::probe
