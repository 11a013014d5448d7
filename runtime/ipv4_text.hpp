#pragma once
// IPv4 addresses as configs and logs write them, as host-byte-order integers inside.
#include <cstdint>
#include <optional>
#include <string>

namespace hamesh {

std::string format_ipv4(uint32_t host_order);
// Exactly four decimal octets, no leading zeros ("010.0.0.1" is refused: some tools read
// it as octal).
std::optional<uint32_t> parse_ipv4(const std::string& text);

}  // namespace hamesh
