#pragma once
// "HOST:PORT" as configs write endpoints ("[::1]:4700" for IPv6).
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace hamesh::config {

// Host and port, or nullopt when the text is not HOST:PORT with a port in
// (allow_port_zero ? 0 : 1)..65535.
std::optional<std::pair<std::string, uint16_t>> split_endpoint(const std::string& text,
                                                               bool allow_port_zero);

}  // namespace hamesh::config
