#include "actors/probe/resolve_ipv4.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <memory>

namespace hamesh::probe {

bool is_numeric_ipv4(const std::string& host) {
  in_addr unused{};
  return ::inet_pton(AF_INET, host.c_str(), &unused) == 1;
}

ipv4_lookup resolve_ipv4(const std::string& host) {
  ipv4_lookup out;
  if (host.empty()) {
    out.error = "no host to check";
    return out;
  }
  if (::inet_pton(AF_INET, host.c_str(), &out.address) == 1) {
    out.ok = true;
    return out;
  }
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(found, &::freeaddrinfo);
  if (rc != 0) {
    out.error = "resolve " + host + ": " + ::gai_strerror(rc);
    return out;
  }
  for (auto* ai = found; ai; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET && ai->ai_addrlen >= sizeof(sockaddr_in)) {
      out.address = reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr;
      out.ok = true;
      return out;
    }
  }
  out.error = "resolve " + host + ": no IPv4 address";
  return out;
}

}  // namespace hamesh::probe
