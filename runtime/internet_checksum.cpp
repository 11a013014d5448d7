#include "runtime/internet_checksum.hpp"

namespace hamesh {

uint16_t internet_checksum(const uint8_t* data, size_t size, uint32_t initial) {
  uint64_t sum = initial;
  size_t i = 0;
  for (; i + 1 < size; i += 2) sum += uint32_t(data[i]) << 8 | data[i + 1];
  if (i < size) sum += uint32_t(data[i]) << 8;  // odd length: pad with a zero byte
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

}  // namespace hamesh
