#include "actors/replica/region_checksum.hpp"

#include <openssl/evp.h>

#include <cstdlib>

namespace hamesh::replica {

region_checksum checksum_of(std::string_view bytes) {
  region_checksum sum{};
  unsigned int length = 0;
  // EVP_Digest fails only on allocation failure or a broken libcrypto: there is no value
  // that could stand in for a digest, so stop rather than compare garbage.
  if (EVP_Digest(bytes.data(), bytes.size(), sum.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != sum.size())
    std::abort();
  return sum;
}

}  // namespace hamesh::replica
