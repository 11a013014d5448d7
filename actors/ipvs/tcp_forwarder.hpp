#pragma once
// The user-space L4 data plane for TCP: one engine thread per service with epoll, accepting
// on the virtual address (IP_FREEBIND: the VIP may arrive later, with VRRP mastership),
// connecting to the real server the scheduler picks, and moving bytes with splice(2)
// through pooled pipes so they never enter user space. No privileges needed.
#include <memory>

#include "actors/ipvs/data_plane.hpp"
#include "actors/ipvs/forwarder_settings.hpp"

namespace hamesh::ipvs {

std::unique_ptr<data_plane> make_tcp_forwarder(const forwarder_settings& settings);

}  // namespace hamesh::ipvs
