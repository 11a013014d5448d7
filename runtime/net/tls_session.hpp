#pragma once
// One server-side TLS connection on a non-blocking socket the caller owns and polls. Every
// call does what the socket allows now and says what it waits for; nothing blocks. Bytes go
// through send(MSG_NOSIGNAL)/recv, so a vanished peer never raises SIGPIPE (OpenSSL's own
// socket BIO uses write()).
#include <cstddef>
#include <memory>
#include <string>

#include "runtime/net/tls_server_context.hpp"

typedef struct ssl_st SSL;

namespace hamesh::net {

class tls_session {
 public:
  enum class status {
    ok,          // done (for read/write: `bytes` moved)
    want_read,   // the socket has nothing more to read: wait for it to be readable
    want_write,  // the socket's send buffer is full: wait for it to be writable
    closed,      // the peer closed (close_notify or EOF)
    failed,      // protocol or socket error: see error(); close the connection
  };

  // The context must outlive the session. `fd` is not owned.
  tls_session(std::shared_ptr<const tls_server_context> context, int fd);
  ~tls_session();
  tls_session(const tls_session&) = delete;
  tls_session& operator=(const tls_session&) = delete;

  status handshake();
  bool established() const { return established_; }
  // Plaintext in; may return bytes OpenSSL had buffered even when the socket is drained.
  status read(char* buffer, size_t capacity, size_t& bytes);
  // Plaintext out; partial writes happen (bytes < size). After want_write, call again with
  // the same bytes still first in line.
  status write(const char* data, size_t size, size_t& bytes);
  // Sends close_notify if the socket takes it now (best effort, once).
  void close_notify();

  const std::string& error() const { return error_; }
  std::string server_name() const;  // the SNI the client sent, or ""
  std::string protocol() const;     // "TLSv1.3"
  std::string cipher() const;

 private:
  status outcome(int r, size_t* bytes);
  std::shared_ptr<const tls_server_context> context_;
  SSL* ssl_ = nullptr;
  bool established_ = false;
  bool notified_ = false;
  std::string error_;
};

}  // namespace hamesh::net
