#include "runtime/net/tls_server_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <strings.h>

namespace hamesh::net {
namespace {

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  ERR_clear_error();
  return text;
}

std::string lower(std::string s) {
  for (auto& ch : s)
    if (ch >= 'A' && ch <= 'Z') ch = char(ch - 'A' + 'a');
  return s;
}

// RFC 6125 §6.4: subjectAltName DNS entries when present, the subject's CN only without them.
std::vector<std::string> dns_names(X509* cert) {
  std::vector<std::string> out;
  auto* alt =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (alt) {
    for (int i = 0; i < sk_GENERAL_NAME_num(alt); ++i) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(alt, i);
      if (n->type != GEN_DNS) continue;
      auto* s = n->d.dNSName;
      out.push_back(lower(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                      size_t(ASN1_STRING_length(s)))));
    }
    GENERAL_NAMES_free(alt);
  }
  if (!out.empty()) return out;
  X509_NAME* subject = X509_get_subject_name(cert);
  int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (at >= 0) {
    ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
    out.push_back(lower(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                    size_t(ASN1_STRING_length(s)))));
  }
  return out;
}

int on_server_name(SSL* ssl, int*, void* arg) {
  auto* self = static_cast<const tls_server_context*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (!name) return SSL_TLSEXT_ERR_OK;  // no SNI: the default certificate
  size_t i = self->certificate_for(name);
  if (i != 0) SSL_set_SSL_CTX(ssl, self->context(i));
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

std::shared_ptr<tls_server_context> tls_server_context::load(const tls_server_settings& settings,
                                                             std::string& error) {
  std::shared_ptr<tls_server_context> self(new tls_server_context());
  if (settings.certificates.empty()) {
    error = "no certificate";
    return nullptr;
  }
  for (const auto& files : settings.certificates) {
    ERR_clear_error();
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
      error = "cannot create a TLS context: " + openssl_error();
      return nullptr;
    }
    self->contexts_.push_back(ctx);  // freed by the destructor from here on
    SSL_CTX_set_min_proto_version(ctx, settings.tls13_only ? TLS1_3_VERSION : TLS1_2_VERSION);
    // No renegotiation (a DoS lever and pointless for a proxy), no compression (CRIME), the
    // server's cipher order, and a peer closing without close_notify is an ordinary EOF.
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                 SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF);
    // Partial writes and a write buffer that may move match a non-blocking output queue;
    // released buffers keep an idle connection at a few hundred bytes of OpenSSL state.
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_set_cipher_list(ctx, settings.ciphers.c_str()) != 1) {
      error = "no usable TLS 1.2 cipher in \"" + settings.ciphers + "\"";
      return nullptr;
    }
    auto key = files.key_file.empty() ? files.cert_file : files.key_file;
    if (SSL_CTX_use_certificate_chain_file(ctx, files.cert_file.c_str()) != 1) {
      error = "cannot read the certificate " + files.cert_file.string() + ": " + openssl_error();
      return nullptr;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
      error = "cannot read the private key " + key.string() + ": " + openssl_error();
      return nullptr;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      error =
          "the key " + key.string() + " does not match the certificate " + files.cert_file.string();
      return nullptr;
    }
    auto names = dns_names(SSL_CTX_get0_certificate(ctx));
    if (names.empty()) {
      error = "the certificate " + files.cert_file.string() +
              " names no host (no subjectAltName DNS entry and no CN)";
      return nullptr;
    }
    self->names_.push_back(std::move(names));
    SSL_CTX_set_tlsext_servername_callback(ctx, on_server_name);
    SSL_CTX_set_tlsext_servername_arg(ctx, self.get());
  }
  return self;
}

tls_server_context::~tls_server_context() {
  for (auto* ctx : contexts_) SSL_CTX_free(ctx);
}

SSL_CTX* tls_server_context::default_context() const {
  return contexts_.front();
}

SSL_CTX* tls_server_context::context(size_t certificate) const {
  return contexts_.at(certificate);
}

size_t tls_server_context::certificate_for(const std::string& server_name) const {
  auto name = lower(server_name);
  for (size_t i = 0; i < names_.size(); ++i)
    for (const auto& n : names_[i])
      if (n == name) return i;
  auto dot = name.find('.');
  if (dot == std::string::npos || dot == 0) return 0;
  auto parent = name.substr(dot);  // ".example.org"
  for (size_t i = 0; i < names_.size(); ++i)
    for (const auto& n : names_[i])
      if (n.size() > 2 && n[0] == '*' && n[1] == '.' &&
          n.compare(1, std::string::npos, parent) == 0)
        return i;
  return 0;
}

}  // namespace hamesh::net
