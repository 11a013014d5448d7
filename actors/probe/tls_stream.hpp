#pragma once
// TLS client on a deadline_socket (OpenSSL 3), with the same deadline-bound operations.
// OpenSSL works on memory BIOs and this class moves the bytes: the engine never blocks, every
// wait is the socket's poll() with the time left, and writes go through send(MSG_NOSIGNAL)
// (OpenSSL's own socket BIO uses write(), which raises SIGPIPE on a closed peer).
#include <openssl/ssl.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "actors/probe/deadline_socket.hpp"

namespace hamesh::probe {

struct tls_client_options {
  // Sent as SNI unless it is a numeric address (RFC 6066 §3 forbids those), and the name
  // the certificate must carry when verifying.
  std::string server_name;
  bool verify = false;            // the chain against trust anchors, and server_name
  std::filesystem::path ca_file;  // trust anchors; empty: the system's default store
};

class tls_stream {
 public:
  using time_point = deadline_socket::time_point;

  explicit tls_stream(deadline_socket socket);
  ~tls_stream();
  tls_stream(tls_stream&&) noexcept;
  tls_stream& operator=(tls_stream&&) noexcept;

  // Sets up a fresh context (one per stream: no shared state between threads) and runs the
  // client handshake. Errors read "tls: <reason>".
  io_result handshake(const tls_client_options& options, time_point deadline);

  io_result read_some(char* buffer, size_t capacity, time_point deadline);
  io_result write_all(std::string_view bytes, time_point deadline);

 private:
  template <typename Operation>
  io_result drive(Operation&& operation, time_point deadline, bool in_handshake);
  io_result flush(time_point deadline);

  struct ctx_free {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
  };
  struct ssl_free {
    void operator()(SSL* s) const { SSL_free(s); }
  };

  deadline_socket socket_;
  std::unique_ptr<SSL_CTX, ctx_free> ctx_;
  std::unique_ptr<SSL, ssl_free> ssl_;
  BIO* network_in_ = nullptr;   // owned by ssl_: what the peer sent, for OpenSSL to read
  BIO* network_out_ = nullptr;  // owned by ssl_: what OpenSSL wrote, for us to send
  bool verifying_ = false;
};

}  // namespace hamesh::probe
