#include "actors/probe/tls_stream.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>

#include "actors/probe/resolve_ipv4.hpp"

namespace hamesh::probe {
namespace {

// The oldest error on this thread's queue as text, then the queue emptied.
std::string openssl_error_text(const char* fallback) {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return fallback;
  const char* reason = ERR_reason_error_string(code);
  if (reason) return reason;
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return buffer;
}

}  // namespace

tls_stream::tls_stream(deadline_socket socket) : socket_(std::move(socket)) {}
tls_stream::~tls_stream() = default;
tls_stream::tls_stream(tls_stream&&) noexcept = default;
tls_stream& tls_stream::operator=(tls_stream&&) noexcept = default;

io_result tls_stream::handshake(const tls_client_options& options, time_point deadline) {
  // SSL_get_error() is only reliable with an empty queue (SSL_get_error(3)); a previous
  // failure on this worker thread must not make this attempt look broken.
  ERR_clear_error();
  ctx_.reset(SSL_CTX_new(TLS_client_method()));
  if (!ctx_) return io_result::failure("tls: " + openssl_error_text("cannot create a context"));
  verifying_ = options.verify;
  if (options.verify) {
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
    int loaded = options.ca_file.empty()
                     ? SSL_CTX_set_default_verify_paths(ctx_.get())
                     : SSL_CTX_load_verify_locations(ctx_.get(), options.ca_file.c_str(), nullptr);
    if (loaded != 1)
      return io_result::failure(
          "tls: cannot load trust anchors" +
          (options.ca_file.empty() ? std::string{} : " from " + options.ca_file.string()) + ": " +
          openssl_error_text("unknown error"));
  } else {
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_NONE, nullptr);
  }
  ssl_.reset(SSL_new(ctx_.get()));
  if (!ssl_) return io_result::failure("tls: " + openssl_error_text("cannot create a session"));
  network_in_ = BIO_new(BIO_s_mem());
  network_out_ = BIO_new(BIO_s_mem());
  if (!network_in_ || !network_out_) {
    BIO_free(network_in_);
    BIO_free(network_out_);
    network_in_ = network_out_ = nullptr;
    return io_result::failure("tls: cannot create buffers");
  }
  SSL_set_bio(ssl_.get(), network_in_, network_out_);  // ssl_ owns both from here on
  SSL_set_connect_state(ssl_.get());

  bool numeric = is_numeric_ipv4(options.server_name);
  if (!options.server_name.empty() && !numeric &&
      SSL_set_tlsext_host_name(ssl_.get(), options.server_name.c_str()) != 1)
    return io_result::failure("tls: bad server name " + options.server_name);
  if (options.verify) {
    // A numeric host is checked against the certificate's IP addresses, a name against its
    // DNS names (RFC 6125).
    int named = numeric ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_.get()),
                                                        options.server_name.c_str())
                        : SSL_set1_host(ssl_.get(), options.server_name.c_str());
    if (named != 1) return io_result::failure("tls: cannot verify the name " + options.server_name);
  }
  return drive([this] { return SSL_do_handshake(ssl_.get()); }, deadline, true);
}

io_result tls_stream::read_some(char* buffer, size_t capacity, time_point deadline) {
  int want = capacity > 1 << 30 ? 1 << 30 : static_cast<int>(capacity);
  return drive([&] { return SSL_read(ssl_.get(), buffer, want); }, deadline, false);
}

io_result tls_stream::write_all(std::string_view bytes, time_point deadline) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    size_t left = bytes.size() - sent;
    int chunk = left > 1 << 30 ? 1 << 30 : static_cast<int>(left);
    auto r =
        drive([&] { return SSL_write(ssl_.get(), bytes.data() + sent, chunk); }, deadline, false);
    if (!r.ok()) return r;
    sent += r.bytes;
  }
  return {io_status::ok, sent, {}};
}

io_result tls_stream::flush(time_point deadline) {
  char outgoing[16 * 1024];
  while (BIO_ctrl_pending(network_out_) > 0) {
    int n = BIO_read(network_out_, outgoing, sizeof outgoing);
    if (n <= 0) break;
    auto r = socket_.write_all(std::string_view(outgoing, static_cast<size_t>(n)), deadline);
    if (!r.ok()) return r;
  }
  return {};
}

template <typename Operation>
io_result tls_stream::drive(Operation&& operation, time_point deadline, bool in_handshake) {
  if (!ssl_) return io_result::failure("tls: no handshake");
  char incoming[16 * 1024];
  while (true) {
    ERR_clear_error();
    int r = operation();
    int error = r > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl_.get(), r);
    std::string why;
    if (error == SSL_ERROR_SSL || error == SSL_ERROR_SYSCALL) {
      long verified = SSL_get_verify_result(ssl_.get());
      why =
          in_handshake && verifying_ && verified != X509_V_OK
              ? std::string("certificate verify failed: ") + X509_verify_cert_error_string(verified)
              : openssl_error_text("protocol error");
    }
    // Whatever OpenSSL produced goes out first: handshake records, or the alert that tells
    // the server why we give up.
    auto flushed = flush(deadline);
    if (!why.empty()) return io_result::failure("tls: " + why);
    if (!flushed.ok()) return flushed;
    switch (error) {
      case SSL_ERROR_NONE:
        return {io_status::ok, static_cast<size_t>(r), {}};
      case SSL_ERROR_WANT_WRITE:
        continue;  // a memory BIO is never full; flushed above
      case SSL_ERROR_WANT_READ: {
        auto got = socket_.read_some(incoming, sizeof incoming, deadline);
        if (got.status == io_status::closed && in_handshake)
          return io_result::failure("tls: connection closed during the handshake");
        if (!got.ok()) return got;
        BIO_write(network_in_, incoming, static_cast<int>(got.bytes));
        continue;
      }
      case SSL_ERROR_ZERO_RETURN:
        return {io_status::closed, 0, {}};  // the peer's close_notify
      default:
        return io_result::failure("tls: " + openssl_error_text("unexpected state"));
    }
  }
}

}  // namespace hamesh::probe
