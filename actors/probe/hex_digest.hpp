#pragma once
// A digest as lowercase hex, as genhash prints keepalived's HTTP_GET digests.
#include <openssl/evp.h>

#include <string>
#include <string_view>

namespace hamesh::probe {

// "" when OpenSSL cannot compute `md` (a FIPS provider without MD5, say).
std::string hex_digest(const EVP_MD* md, std::string_view bytes);

}  // namespace hamesh::probe
