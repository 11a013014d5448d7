#pragma once
// SHA-256 of a region's bytes: what checksum-based resync and online verify compare, like
// DRBD's csums-alg and verify-alg. A strong digest, so equal sums mean equal data and a
// skipped region is really in sync.
#include <array>
#include <cstdint>
#include <string_view>

namespace hamesh::replica {

using region_checksum = std::array<uint8_t, 32>;

region_checksum checksum_of(std::string_view bytes);

}  // namespace hamesh::replica
