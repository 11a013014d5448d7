// Logs every refused mesh TLS connection with the peer's address.
//
// CAF 0.17's openssl module does the handshake inside its multiplexer and reports a failure
// only through its own (compiled-out) log, so an operator would never learn that somebody
// without a cluster certificate knocked. It calls OpenSSL's SSL_accept through the dynamic
// linker; this definition, in the hamesh-node executable, comes first in symbol lookup: it
// calls the real SSL_accept and, on a fatal result, logs the peer address and OpenSSL's
// reason. It changes nothing in the handshake: same return value, error queue untouched.
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <string>

#include "runtime/logging.hpp"

namespace {

std::string peer_of(SSL* ssl) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  int fd = SSL_get_fd(ssl);
  if (fd < 0 || ::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return "unknown peer";
  char host[INET6_ADDRSTRLEN] = "?";
  uint16_t port = 0;
  if (addr.ss_family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = ntohs(in->sin_port);
    return std::string(host) + ":" + std::to_string(port);
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
  ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
  return "[" + std::string(host) + "]:" + std::to_string(ntohs(in6->sin6_port));
}

}  // namespace

extern "C" int SSL_accept(SSL* ssl) {
  using accept_fn = int (*)(SSL*);
  static accept_fn real = reinterpret_cast<accept_fn>(::dlsym(RTLD_NEXT, "SSL_accept"));
  int rc = real(ssl);
  if (rc <= 0) {
    int err = SSL_get_error(ssl, rc);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
      char reason[256] = "connection closed during the handshake";
      if (unsigned long e = ERR_peek_error()) ERR_error_string_n(e, reason, sizeof reason);
      hamesh::logging::get("mesh")->warn("refused TLS connection from {}: {}", peer_of(ssl),
                                         reason);
    }
  }
  return rc;
}
