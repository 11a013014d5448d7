#pragma once
// The cluster's private CA and the certificates it issues (OpenSSL 3 API, no shell-out).
// Mesh TLS in CAF 0.17 checks that a peer's certificate chains to the CA and nothing
// about its name, so the CA must be private to the cluster: one CA, one DIR, per cluster.
//
// Layout of DIR: ca.pem, ca.key, <name>.pem, <name>.key. Keys are EC P-256, mode 0600.
#include <string>

namespace hamesh::pki {

enum class role { node, client };

struct result {
  bool ok = false;
  std::string message;  // what was written, or why nothing was
};

// Creates DIR (if needed) with a new CA. Refuses to overwrite an existing CA.
result init(const std::string& dir, int valid_days = 3650);
// Issues NAME's key and certificate, signed by DIR's CA. Nodes get serverAuth and
// clientAuth (they accept and make mesh connections); clients only clientAuth.
// Refuses to overwrite an existing NAME.
result issue(const std::string& dir, const std::string& name, role r, int valid_days = 825);
// Checks that NAME's certificate chains to DIR's CA (for tests and operators).
result verify(const std::string& dir, const std::string& name);

}  // namespace hamesh::pki
