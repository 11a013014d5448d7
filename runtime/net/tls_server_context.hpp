#pragma once
// The server side of TLS for every listener that terminates it (the HTTP proxy, the mail
// proxy): certificates chosen by SNI, TLS 1.2 and 1.3 only, modern ciphers. Loaded once per
// listener and shared by its sessions (tls_session.hpp); CAF-free.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

typedef struct ssl_ctx_st SSL_CTX;

namespace hamesh::net {

struct tls_certificate_files {
  std::filesystem::path cert_file;  // PEM: the certificate, then its chain
  std::filesystem::path key_file;   // PEM private key (empty: in cert_file)
};

struct tls_server_settings {
  // The first is the default: for clients without SNI or with a name no certificate holds.
  std::vector<tls_certificate_files> certificates;
  bool tls13_only = false;  // else TLS 1.2 and 1.3
  // TLS 1.2 suites (OpenSSL syntax): forward secrecy and AEAD only, Mozilla's "intermediate"
  // choice without DHE (no parameters to manage). TLS 1.3 uses OpenSSL's defaults, all AEAD.
  std::string ciphers =
      "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
      "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
};

class tls_server_context {
 public:
  struct loaded;
  // Reads and checks every certificate and key (key matches certificate, names present).
  // On failure: null and why, naming the file.
  static std::shared_ptr<tls_server_context> load(const tls_server_settings& settings,
                                                  std::string& error);
  ~tls_server_context();
  tls_server_context(const tls_server_context&) = delete;
  tls_server_context& operator=(const tls_server_context&) = delete;

  // The DNS names each certificate answers for (subjectAltName, else the subject's CN), in
  // settings order.
  const std::vector<std::vector<std::string>>& names() const { return names_; }
  // The context a session starts on (the default certificate's); SNI switches it.
  SSL_CTX* default_context() const;
  // The certificate index for an SNI name: exact names first, then one-label wildcards
  // ("*.example.org" holds "a.example.org", not "example.org" or "a.b.example.org");
  // 0 when none matches.
  size_t certificate_for(const std::string& server_name) const;
  SSL_CTX* context(size_t certificate) const;

 private:
  tls_server_context() = default;
  std::vector<SSL_CTX*> contexts_;
  std::vector<std::vector<std::string>> names_;
};

}  // namespace hamesh::net
