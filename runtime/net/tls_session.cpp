#include "runtime/net/tls_session.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>

namespace hamesh::net {
namespace {

int socket_of(BIO* b) {
  return int(reinterpret_cast<intptr_t>(BIO_get_data(b)));
}

int bio_write(BIO* b, const char* data, int size) {
  BIO_clear_retry_flags(b);
  for (;;) {
    ssize_t n = ::send(socket_of(b), data, size_t(size), MSG_NOSIGNAL);
    if (n >= 0) return int(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_write(b);
    return -1;
  }
}

int bio_read(BIO* b, char* out, int size) {
  BIO_clear_retry_flags(b);
  for (;;) {
    ssize_t n = ::recv(socket_of(b), out, size_t(size), 0);
    if (n >= 0) return int(n);  // 0: EOF
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_read(b);
    return -1;
  }
}

long bio_ctrl(BIO*, int command, long, void*) {
  return command == BIO_CTRL_FLUSH ? 1 : 0;  // nothing is buffered here
}

BIO_METHOD* socket_method() {
  static BIO_METHOD* method = [] {
    auto* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "hamesh socket");
    BIO_meth_set_write(m, bio_write);
    BIO_meth_set_read(m, bio_read);
    BIO_meth_set_ctrl(m, bio_ctrl);
    return m;
  }();
  return method;
}

std::string openssl_error(const char* fallback) {
  unsigned long e = ERR_get_error();
  if (e == 0) return fallback;
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  ERR_clear_error();
  return text;
}

}  // namespace

tls_session::tls_session(std::shared_ptr<const tls_server_context> context, int fd)
    : context_(std::move(context)) {
  ssl_ = SSL_new(context_->default_context());
  BIO* bio = ssl_ ? BIO_new(socket_method()) : nullptr;
  if (!bio) {
    error_ = "cannot create a TLS session";
    return;
  }
  BIO_set_data(bio, reinterpret_cast<void*>(intptr_t(fd)));
  BIO_set_init(bio, 1);
  SSL_set_bio(ssl_, bio, bio);  // ssl_ owns it
  SSL_set_accept_state(ssl_);
}

tls_session::~tls_session() {
  if (ssl_) SSL_free(ssl_);
}

tls_session::status tls_session::outcome(int r, size_t* bytes) {
  if (r > 0) {
    if (bytes) *bytes = size_t(r);
    return status::ok;
  }
  switch (SSL_get_error(ssl_, r)) {
    case SSL_ERROR_WANT_READ:
      return status::want_read;
    case SSL_ERROR_WANT_WRITE:
      return status::want_write;
    case SSL_ERROR_ZERO_RETURN:
      return status::closed;
    case SSL_ERROR_SYSCALL:
      if (ERR_peek_error() == 0 && (r == 0 || errno == 0)) return status::closed;
      error_ = ERR_peek_error() ? openssl_error("socket error") : std::strerror(errno);
      return status::failed;
    default:
      error_ = openssl_error("TLS error");
      return status::failed;
  }
}

tls_session::status tls_session::handshake() {
  if (!ssl_) return status::failed;
  if (established_) return status::ok;
  ERR_clear_error();
  auto s = outcome(SSL_do_handshake(ssl_), nullptr);
  if (s == status::ok) established_ = true;
  if (s == status::closed) {
    error_ = "the client closed during the handshake";
    s = status::failed;
  }
  return s;
}

tls_session::status tls_session::read(char* buffer, size_t capacity, size_t& bytes) {
  bytes = 0;
  if (!ssl_) return status::failed;
  ERR_clear_error();
  return outcome(SSL_read(ssl_, buffer, int(capacity > INT_MAX ? INT_MAX : capacity)), &bytes);
}

tls_session::status tls_session::write(const char* data, size_t size, size_t& bytes) {
  bytes = 0;
  if (!ssl_) return status::failed;
  if (size == 0) return status::ok;
  ERR_clear_error();
  return outcome(SSL_write(ssl_, data, int(size > INT_MAX ? INT_MAX : size)), &bytes);
}

void tls_session::close_notify() {
  if (!ssl_ || !established_ || notified_) return;
  notified_ = true;
  ERR_clear_error();
  SSL_shutdown(ssl_);
  ERR_clear_error();
}

std::string tls_session::server_name() const {
  const char* n = ssl_ ? SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name) : nullptr;
  return n ? n : "";
}

std::string tls_session::protocol() const {
  return ssl_ ? SSL_get_version(ssl_) : "";
}

std::string tls_session::cipher() const {
  return ssl_ ? SSL_get_cipher_name(ssl_) : "";
}

}  // namespace hamesh::net
