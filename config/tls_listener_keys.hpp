#pragma once
// The TLS keys every listener that terminates TLS shares ([[proxy.http]], [[proxy.mail]]):
// [[<listener>.certificate]] entries (cert_file, key_file), tls_min_version ("1.2" | "1.3")
// and tls_ciphers. Each certificate is loaded and checked while the config is read, so that a
// missing file or a key that does not match is refused with its position.
#include <string>

#include "runtime/net/tls_server_context.hpp"

namespace hamesh::config {

class table_reader;

// Fills `tls` from the listener's table `t`; errors go to `t` (and the certificate entries).
void read_tls_listener_keys(table_reader& t, net::tls_server_settings& tls);

// For a listener's fingerprint: the settings and each file's modification time and size, so
// that a certificate renewed under the same name is a change a reload picks up.
std::string tls_fingerprint(const net::tls_server_settings& tls);

}  // namespace hamesh::config
