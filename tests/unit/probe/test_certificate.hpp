#pragma once
// A self-signed certificate made in-process with the OpenSSL 3 API (P-256 key, SAN with one
// DNS name and 127.0.0.1), written to a temporary PEM file the client can trust as its CA
// file, and a server context that presents it. The file is removed on destruction.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace probe_test {

class test_certificate {
 public:
  explicit test_certificate(const std::string& dns_name) {
    key_ = EVP_EC_gen("P-256");
    cert_ = X509_new();
    if (!key_ || !cert_) throw std::runtime_error("test_certificate: out of memory");
    X509_set_version(cert_, 2);  // v3, for the SAN extension
    ASN1_INTEGER_set(X509_get_serialNumber(cert_), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert_), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert_), 24 * 3600);
    X509_set_pubkey(cert_, key_);
    X509_NAME* name = X509_get_subject_name(cert_);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(dns_name.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert_, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert_, cert_, nullptr, nullptr, 0);
    std::string san = "DNS:" + dns_name + ",IP:127.0.0.1";
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str());
    if (!ext || X509_add_ext(cert_, ext, -1) != 1)
      throw std::runtime_error("test_certificate: SAN");
    X509_EXTENSION_free(ext);
    if (X509_sign(cert_, key_, EVP_sha256()) == 0)
      throw std::runtime_error("test_certificate: sign");

    char path[] = "/tmp/hamesh_probe_test_ca_XXXXXX";
    int fd = ::mkstemp(path);
    if (fd < 0) throw std::runtime_error("test_certificate: temp file");
    path_ = path;
    FILE* f = ::fdopen(fd, "w");
    if (!f || PEM_write_X509(f, cert_) != 1) throw std::runtime_error("test_certificate: write");
    std::fclose(f);

    server_ = SSL_CTX_new(TLS_server_method());
    if (!server_ || SSL_CTX_use_certificate(server_, cert_) != 1 ||
        SSL_CTX_use_PrivateKey(server_, key_) != 1)
      throw std::runtime_error("test_certificate: server context");
  }

  ~test_certificate() {
    if (!path_.empty()) ::unlink(path_.c_str());
    SSL_CTX_free(server_);
    X509_free(cert_);
    EVP_PKEY_free(key_);
  }

  test_certificate(const test_certificate&) = delete;
  test_certificate& operator=(const test_certificate&) = delete;

  const std::string& pem_path() const { return path_; }
  SSL_CTX* server_context() const { return server_; }

 private:
  EVP_PKEY* key_ = nullptr;
  X509* cert_ = nullptr;
  SSL_CTX* server_ = nullptr;
  std::string path_;
};

}  // namespace probe_test
