#pragma once
// RFC 1071: the one's complement sum of 16-bit words that IP, ICMP and VRRP carry.
#include <cstddef>
#include <cstdint>

namespace hamesh {

// The checksum of `data` (an odd last byte is padded with zero), folded and complemented;
// `initial` carries a pseudo-header's partial sum. Over a message that holds its own
// correct checksum the result is 0.
uint16_t internet_checksum(const uint8_t* data, size_t size, uint32_t initial = 0);

}  // namespace hamesh
