#pragma once
// What a function needs to know about a network interface, looked up by name.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace hamesh::net {

struct interface_info {
  std::string name;
  int index = 0;
  std::array<uint8_t, 6> mac{};
  uint32_t primary_ipv4 = 0;  // host byte order; 0 when it has none
};

// Fails (with `why`) when the interface does not exist.
std::optional<interface_info> lookup_interface(const std::string& name, std::string* why = nullptr);

}  // namespace hamesh::net
