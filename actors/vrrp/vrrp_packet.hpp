#pragma once
// VRRP advertisements on the wire (pure): RFC 5798 (VRRPv3) for IPv4, and RFC 3768 (VRRPv2)
// on receive, because keepalived speaks v2 by default. Decoding takes the whole IPv4 packet
// as a raw socket delivers it, since the checks need the IP header (TTL, protocol, the
// addresses of the checksum's pseudo-header). Every input gets an advert or a reason.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/internet_checksum.hpp"
#include "runtime/ipv4_text.hpp"

namespace hamesh::vrrp {

constexpr uint8_t ip_protocol = 112;              // IANA: VRRP
constexpr uint32_t multicast_group = 0xe0000012;  // 224.0.0.18

struct advert {
  uint8_t version = 3;
  uint8_t vrid = 0;
  uint8_t priority = 0;
  uint16_t max_adver_int_cs = 100;  // centiseconds (v2's seconds are converted)
  std::vector<uint32_t> addresses;  // IPv4, host byte order
  uint32_t source = 0;              // the IP header's source: the sender's primary address
  uint32_t destination = 0;
};

enum class reject_reason {
  none,
  truncated,      // shorter than the headers it announces
  bad_ip_header,  // not IPv4, bad header length or total length
  not_vrrp,       // IP protocol is not 112
  ttl_not_255,    // RFC 5798 §7.1: a router must discard a packet whose TTL is not 255
  bad_version,    // neither 2 nor 3
  bad_type,       // not ADVERTISEMENT (1)
  bad_length,     // the address count does not match the length
  bad_checksum,
  zero_interval,  // Max Adver Int 0 would make every timer fire at once
  auth_present,  // v2 with authentication: hamesh does not do v2 auth (deprecated, RFC 3768 §5.3.6)
};
std::string to_string(reject_reason r);

struct decode_result {
  std::optional<advert> value;
  reject_reason reason = reject_reason::none;
};

// `packet` starts at the IPv4 header.
decode_result decode_ipv4(const uint8_t* packet, size_t size);

// The VRRPv3 message (the IP payload) for `a`, checksummed with the pseudo-header of
// `a.source` -> `a.destination`. The kernel adds the IP header (TTL 255 set on the socket).
std::vector<uint8_t> encode_v3(const advert& a);

}  // namespace hamesh::vrrp
