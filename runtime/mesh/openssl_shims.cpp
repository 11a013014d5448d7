// Two things CAF 0.17's openssl module lacks, added where it calls OpenSSL through the
// dynamic linker: these definitions, in the hamesh-node executable, come first in symbol
// lookup and call the real functions (RTLD_NEXT).
//
// 1. A clean error queue. OpenSSL's SSL_get_error() is only reliable when the thread's error
//    queue is empty before the I/O call (SSL_get_error(3)). CAF runs every connection on one
//    multiplexer thread and never clears it, so the errors of one dying peer made the next
//    SSL_read on a healthy connection look fatal: with three nodes, killing one dropped the
//    link between the other two (measured here; plain TCP did not show it).
// 2. Refused handshakes are logged with the peer's address; CAF only tells its compiled-out
//    log, so an operator never learned that somebody without a cluster certificate knocked.
//
// Behaviour is otherwise unchanged: same arguments, same return values.
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

template <class Fn>
Fn real(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

// A fatal handshake result (not "call again"), with OpenSSL's reason.
bool handshake_failed(SSL* ssl, int rc, std::string& reason) {
  if (rc > 0) return false;
  int err = SSL_get_error(ssl, rc);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return false;
  char buf[256] = "connection closed during the handshake";
  if (unsigned long e = ERR_peek_error()) ERR_error_string_n(e, buf, sizeof buf);
  reason = buf;
  return true;
}

}  // namespace

// The peer's address, noted on the SSL object at the first handshake step: by the time a
// handshake fails the client may have closed its socket and getpeername() no longer answers.
static int peer_index() {
  static const int index = SSL_get_ex_new_index(
      0, nullptr, nullptr, nullptr, [](void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
        delete static_cast<std::string*>(ptr);
      });
  return index;
}

static int reported_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

extern "C" int SSL_accept(SSL* ssl) {
  static auto fn = real<int (*)(SSL*)>("SSL_accept");
  if (SSL_get_ex_data(ssl, peer_index()) == nullptr)
    SSL_set_ex_data(ssl, peer_index(), new std::string(peer_of(ssl)));
  ERR_clear_error();
  int rc = fn(ssl);
  std::string reason;
  // CAF may call again on a connection that already failed: report each refusal once.
  if (handshake_failed(ssl, rc, reason) && SSL_get_ex_data(ssl, reported_index()) == nullptr) {
    SSL_set_ex_data(ssl, reported_index(), ssl);
    auto* peer = static_cast<std::string*>(SSL_get_ex_data(ssl, peer_index()));
    hamesh::logging::get("mesh")->warn("refused TLS connection from {}: {}",
                                       peer ? *peer : peer_of(ssl), reason);
  }
  return rc;
}

extern "C" int SSL_connect(SSL* ssl) {
  static auto fn = real<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  int rc = fn(ssl);
  std::string reason;
  if (handshake_failed(ssl, rc, reason))
    hamesh::logging::get("mesh")->warn("TLS handshake with {} failed: {}", peer_of(ssl), reason);
  return rc;
}

extern "C" int SSL_read(SSL* ssl, void* buf, int num) {
  static auto fn = real<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return fn(ssl, buf, num);
}

extern "C" int SSL_write(SSL* ssl, const void* buf, int num) {
  static auto fn = real<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return fn(ssl, buf, num);
}
