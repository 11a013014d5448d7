#include "actors/vrrp/vrrp_packet.hpp"

#include <cstdio>

namespace hamesh::vrrp {
namespace {

uint32_t read32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

void write32(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(uint8_t(v >> 24));
  out.push_back(uint8_t(v >> 16));
  out.push_back(uint8_t(v >> 8));
  out.push_back(uint8_t(v));
}

// RFC 5798 §5.2.8: the v3 checksum covers an IPv4 pseudo-header (RFC 2460 style for v6).
uint32_t pseudo_header_sum(uint32_t src, uint32_t dst, size_t length) {
  uint32_t sum = 0;
  sum += src >> 16;
  sum += src & 0xffff;
  sum += dst >> 16;
  sum += dst & 0xffff;
  sum += ip_protocol;
  sum += static_cast<uint32_t>(length);
  return sum;
}

decode_result reject(reject_reason r) {
  return {std::nullopt, r};
}

}  // namespace

std::string to_string(reject_reason r) {
  switch (r) {
    case reject_reason::none:
      return "none";
    case reject_reason::truncated:
      return "truncated";
    case reject_reason::bad_ip_header:
      return "bad_ip_header";
    case reject_reason::not_vrrp:
      return "not_vrrp";
    case reject_reason::ttl_not_255:
      return "ttl_not_255";
    case reject_reason::bad_version:
      return "bad_version";
    case reject_reason::bad_type:
      return "bad_type";
    case reject_reason::bad_length:
      return "bad_length";
    case reject_reason::bad_checksum:
      return "bad_checksum";
    case reject_reason::zero_interval:
      return "zero_interval";
    case reject_reason::auth_present:
      return "auth_present";
  }
  return "?";
}

decode_result decode_ipv4(const uint8_t* packet, size_t size) {
  if (size < 20) return reject(reject_reason::truncated);
  if ((packet[0] >> 4) != 4) return reject(reject_reason::bad_ip_header);
  size_t ihl = size_t(packet[0] & 0x0f) * 4;
  size_t total = size_t(packet[2]) << 8 | packet[3];
  if (ihl < 20 || total < ihl) return reject(reject_reason::bad_ip_header);
  if (total > size) return reject(reject_reason::truncated);  // fewer bytes than announced
  if (packet[9] != ip_protocol) return reject(reject_reason::not_vrrp);
  if (packet[8] != 255) return reject(reject_reason::ttl_not_255);
  const uint8_t* v = packet + ihl;
  size_t len = total - ihl;
  if (len < 8) return reject(reject_reason::truncated);
  advert a;
  a.version = v[0] >> 4;
  if (a.version != 2 && a.version != 3) return reject(reject_reason::bad_version);
  if ((v[0] & 0x0f) != 1) return reject(reject_reason::bad_type);
  a.vrid = v[1];
  a.priority = v[2];
  size_t count = v[3];
  a.source = read32(packet + 12);
  a.destination = read32(packet + 16);
  if (a.version == 3) {
    if (len != 8 + 4 * count)
      return reject(len < 8 + 4 * count ? reject_reason::truncated : reject_reason::bad_length);
    if (internet_checksum(v, len, pseudo_header_sum(a.source, a.destination, len)) != 0)
      return reject(reject_reason::bad_checksum);
    a.max_adver_int_cs = static_cast<uint16_t>((v[4] & 0x0f) << 8 | v[5]);
  } else {
    // RFC 3768 §5.1: 8 bytes of header, the addresses, 8 bytes of authentication data;
    // the checksum covers the VRRP message only.
    if (len != 8 + 4 * count + 8)
      return reject(len < 8 + 4 * count + 8 ? reject_reason::truncated : reject_reason::bad_length);
    if (internet_checksum(v, len) != 0) return reject(reject_reason::bad_checksum);
    if (v[4] != 0) return reject(reject_reason::auth_present);
    a.max_adver_int_cs = static_cast<uint16_t>(v[5] * 100);
  }
  if (a.max_adver_int_cs == 0) return reject(reject_reason::zero_interval);
  for (size_t i = 0; i < count; ++i) a.addresses.push_back(read32(v + 8 + 4 * i));
  return {std::move(a), reject_reason::none};
}

std::vector<uint8_t> encode_v3(const advert& a) {
  std::vector<uint8_t> out;
  out.reserve(8 + 4 * a.addresses.size());
  out.push_back(0x31);  // version 3, type 1 (ADVERTISEMENT)
  out.push_back(a.vrid);
  out.push_back(a.priority);
  out.push_back(static_cast<uint8_t>(a.addresses.size()));
  out.push_back(static_cast<uint8_t>((a.max_adver_int_cs >> 8) & 0x0f));  // 4 reserved bits zero
  out.push_back(static_cast<uint8_t>(a.max_adver_int_cs & 0xff));
  out.push_back(0);
  out.push_back(0);
  for (auto addr : a.addresses) write32(out, addr);
  uint16_t sum = internet_checksum(out.data(), out.size(),
                                   pseudo_header_sum(a.source, a.destination, out.size()));
  out[6] = uint8_t(sum >> 8);
  out[7] = uint8_t(sum & 0xff);
  return out;
}

}  // namespace hamesh::vrrp
