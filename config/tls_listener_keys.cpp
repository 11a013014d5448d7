#include "config/tls_listener_keys.hpp"

#include <sys/stat.h>

#include "config/table_reader.hpp"

namespace hamesh::config {

void read_tls_listener_keys(table_reader& t, net::tls_server_settings& tls) {
  for (auto& c : t.array_of_tables("certificate")) {
    net::tls_certificate_files files;
    if (auto v = c.path("cert_file", true)) files.cert_file = *v;
    if (auto v = c.path("key_file")) files.key_file = *v;
    c.finish();
    // Each one alone first, so that an error names the entry it comes from.
    if (!files.cert_file.empty()) {
      net::tls_server_settings one;
      one.certificates.push_back(files);
      std::string error;
      if (!net::tls_server_context::load(one, error)) c.error("cert_file", error);
    }
    tls.certificates.push_back(std::move(files));
  }
  if (auto v = t.choice("tls_min_version", {"1.2", "1.3"})) {
    tls.tls13_only = *v == "1.3";
    if (tls.certificates.empty())
      t.error("tls_min_version", "no [[certificate]] on this listener: it does not speak TLS");
  }
  if (auto v = t.string("tls_ciphers")) {
    tls.ciphers = *v;
    net::tls_server_settings probe = tls;
    std::string error;
    if (!tls.certificates.empty() && !net::tls_server_context::load(probe, error) &&
        error.rfind("no usable", 0) == 0)
      t.error("tls_ciphers", error);
  }
}

std::string tls_fingerprint(const net::tls_server_settings& tls) {
  std::string out = std::string(tls.tls13_only ? "1.3" : "1.2") + ":" + tls.ciphers;
  for (auto& c : tls.certificates)
    for (auto& f : {c.cert_file, c.key_file}) {
      struct stat st {};
      bool seen = !f.empty() && ::stat(f.c_str(), &st) == 0;
      out += "|" + f.string() + "@" +
             (seen ? std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) +
                         "/" + std::to_string(st.st_size)
                   : "-");
    }
  return out;
}

}  // namespace hamesh::config
