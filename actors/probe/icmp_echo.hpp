#pragma once
// One ICMP echo round trip (RFC 792), what keepalived's ICMP_CHECK does. Prefers an
// unprivileged ping socket (SOCK_DGRAM, IPPROTO_ICMP; allowed to the groups in
// net.ipv4.ping_group_range) and falls back to a raw socket (root or CAP_NET_RAW).
// The message building and matching are pure and exposed for tests.
#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hamesh::probe {

struct icmp_echo_result {
  bool ok = false;
  std::string detail;  // "echo reply from 10.0.0.7", "timeout after 1s waiting for the echo reply"
};

// Sends one echo request to `address` and waits until `deadline` for the reply to it.
icmp_echo_result icmp_echo(in_addr address, std::chrono::steady_clock::time_point deadline);

// An ICMP echo request (type 8) with its checksum.
std::string encode_echo_request(uint16_t id, uint16_t sequence, std::string_view payload);

// Whether `message` (ICMP, the IP header removed) is the echo reply (type 0) to a request with
// `sequence` and `payload`, with a valid checksum. `id` is compared when given; on a ping
// socket the kernel picks the id, so the caller matches on sequence and payload alone.
bool is_echo_reply(std::string_view message, std::optional<uint16_t> id, uint16_t sequence,
                   std::string_view payload);

}  // namespace hamesh::probe
