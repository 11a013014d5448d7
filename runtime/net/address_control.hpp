#pragma once
// Adds and removes IPv4 addresses on an interface through rtnetlink (what `ip addr add/del`
// does), and announces one with gratuitous ARP so that neighbours update their caches.
#include <array>
#include <cstdint>
#include <string>

namespace hamesh::net {

struct address_result {
  bool ok = false;
  std::string error;
};

// Adding an address that is already there, or removing one that is not, succeeds.
address_result add_ipv4_address(int ifindex, uint32_t address, uint8_t prefix_length);
address_result remove_ipv4_address(int ifindex, uint32_t address, uint8_t prefix_length);
bool has_ipv4_address(const std::string& ifname, uint32_t address);

// One broadcast ARP request with sender and target both `address` (RFC 5227 §3's announcement).
address_result send_gratuitous_arp(int ifindex, const std::array<uint8_t, 6>& mac,
                                   uint32_t address);

}  // namespace hamesh::net
