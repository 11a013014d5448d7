#include "tools/hameshctl/pki.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

namespace hamesh::pki {
namespace {

namespace fs = std::filesystem;

struct free_pkey {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct free_x509 {
  void operator()(X509* p) const { X509_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, free_pkey>;
using x509_ptr = std::unique_ptr<X509, free_x509>;

std::string openssl_error(const std::string& what) {
  char buf[256] = "unknown error";
  if (unsigned long e = ERR_get_error()) ERR_error_string_n(e, buf, sizeof buf);
  return what + ": " + buf;
}

result fail(std::string message) {
  return {false, std::move(message)};
}

// Opens for writing with `mode`, refusing to replace an existing file.
FILE* create_file(const fs::path& path, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, mode);
  if (fd < 0) return nullptr;
  ::fchmod(fd, mode);  // the umask must not widen or narrow what we promise
  return ::fdopen(fd, "w");
}

bool write_key(const fs::path& path, EVP_PKEY* key) {
  FILE* f = create_file(path, 0600);
  if (!f) return false;
  bool ok = PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  return std::fclose(f) == 0 && ok;
}

bool write_cert(const fs::path& path, X509* cert) {
  FILE* f = create_file(path, 0644);
  if (!f) return false;
  bool ok = PEM_write_X509(f, cert) == 1;
  return std::fclose(f) == 0 && ok;
}

pkey_ptr read_key(const fs::path& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return nullptr;
  pkey_ptr key(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  return key;
}

x509_ptr read_cert(const fs::path& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return nullptr;
  x509_ptr cert(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  return cert;
}

bool add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A certificate for `key` named `cn`, valid from now for `days`; signed later.
x509_ptr new_cert(EVP_PKEY* key, const std::string& cn, int days) {
  x509_ptr cert(X509_new());
  if (!cert) return nullptr;
  X509_set_version(cert.get(), 2);  // v3
  // RFC 5280 §4.1.2.2: a positive serial of at most 20 octets, unique per CA: 16 random ones.
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return nullptr;
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  ASN1_INTEGER* asn = BN_to_ASN1_INTEGER(bn, nullptr);
  X509_set_serialNumber(cert.get(), asn);
  ASN1_INTEGER_free(asn);
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -300);  // tolerate small clock skew
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("hamesh"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return cert;
}

bool valid_cert_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name == "ca") return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return false;
  return name[0] != '.' && name[0] != '-';
}

}  // namespace

result init(const std::string& dir, int valid_days) {
  fs::path d(dir);
  std::error_code ec;
  fs::create_directories(d, ec);
  if (ec) return fail("cannot create " + dir + ": " + ec.message());
  fs::permissions(d, fs::perms::owner_all, ec);  // the CA key lives here
  if (fs::exists(d / "ca.pem") || fs::exists(d / "ca.key"))
    return fail(dir + " already holds a CA (ca.pem/ca.key); refusing to replace it");
  pkey_ptr key(EVP_EC_gen("P-256"));
  if (!key) return fail(openssl_error("cannot generate the CA key"));
  auto cert = new_cert(key.get(), "hamesh cluster CA", valid_days);
  if (!cert) return fail(openssl_error("cannot build the CA certificate"));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  if (!add_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
      !add_extension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !add_extension(cert.get(), cert.get(), NID_subject_key_identifier, "hash"))
    return fail(openssl_error("cannot add CA extensions"));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0)
    return fail(openssl_error("cannot sign the CA"));
  if (!write_key(d / "ca.key", key.get()) || !write_cert(d / "ca.pem", cert.get()))
    return fail("cannot write " + (d / "ca.key").string() + " / ca.pem");
  return {true, "created CA " + (d / "ca.pem").string() + " (key " + (d / "ca.key").string() +
                    ", mode 0600)"};
}

result issue(const std::string& dir, const std::string& name, role r, int valid_days) {
  fs::path d(dir);
  if (!valid_cert_name(name))
    return fail("bad name \"" + name + "\": use 1..64 of A-Z a-z 0-9 _ . - (not \"ca\")");
  auto ca_key = read_key(d / "ca.key");
  auto ca_cert = read_cert(d / "ca.pem");
  if (!ca_key || !ca_cert)
    return fail("no CA in " + dir + " (run: hameshctl pki init " + dir + ")");
  if (fs::exists(d / (name + ".pem")) || fs::exists(d / (name + ".key")))
    return fail(name + " already has a certificate in " + dir + "; refusing to replace it");
  pkey_ptr key(EVP_EC_gen("P-256"));
  if (!key) return fail(openssl_error("cannot generate a key"));
  auto cert = new_cert(key.get(), name, valid_days);
  if (!cert) return fail(openssl_error("cannot build the certificate"));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
  std::string san = "DNS:" + name + (r == role::node ? ",IP:127.0.0.1" : "");
  const char* eku = r == role::node ? "serverAuth,clientAuth" : "clientAuth";
  if (!add_extension(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !add_extension(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature") ||
      !add_extension(cert.get(), ca_cert.get(), NID_ext_key_usage, eku) ||
      !add_extension(cert.get(), ca_cert.get(), NID_subject_alt_name, san.c_str()) ||
      !add_extension(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always"))
    return fail(openssl_error("cannot add extensions"));
  if (X509_sign(cert.get(), ca_key.get(), EVP_sha256()) == 0)
    return fail(openssl_error("cannot sign"));
  if (!write_key(d / (name + ".key"), key.get()) || !write_cert(d / (name + ".pem"), cert.get()))
    return fail("cannot write " + (d / (name + ".key")).string());
  return {true, std::string("issued ") + (r == role::node ? "node" : "client") + " certificate " +
                    (d / (name + ".pem")).string() + " (key " + (d / (name + ".key")).string() +
                    ", mode 0600)"};
}

result verify(const std::string& dir, const std::string& name) {
  fs::path d(dir);
  auto ca = read_cert(d / "ca.pem");
  auto cert = read_cert(d / (name + ".pem"));
  if (!ca || !cert) return fail("cannot read " + (d / "ca.pem").string() + " or " + name + ".pem");
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, cert.get(), nullptr);
  int ok = X509_verify_cert(ctx);
  std::string why = ok == 1 ? "ok" : X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return {ok == 1, name + ": " + why};
}

}  // namespace hamesh::pki
