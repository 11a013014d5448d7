#pragma once
// The user-space L4 data plane for UDP: datagrams from each client (address and port) go to
// the real server picked for its first datagram, over a socket of its own, and replies go
// back from the service's address. A session ends after idle_timeout without traffic. As in
// ipvsadm, sessions count as inactive connections: UDP has no "established".
#include <memory>

#include "actors/ipvs/data_plane.hpp"
#include "actors/ipvs/forwarder_settings.hpp"

namespace hamesh::ipvs {

std::unique_ptr<data_plane> make_udp_forwarder(const forwarder_settings& settings);

}  // namespace hamesh::ipvs
