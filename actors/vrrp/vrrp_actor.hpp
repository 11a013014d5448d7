#pragma once
// A VRRP instance's actor: raw socket (IP protocol 112, multicast 224.0.0.18 on its interface
// or unicast to configured peers), the RFC 5798 fsm, the virtual addresses added through
// rtnetlink with gratuitous ARP when master and removed when not, and the node-degraded
// event turned into FAULT so that a peer takes over.
#include <caf/fwd.hpp>

#include <string>

#include "actors/vrrp/vrrp_config.hpp"

namespace hamesh::vrrp {

caf::actor spawn_vrrp_instance(caf::local_actor* parent, const std::string& path,
                               const instance_settings& cfg);

}  // namespace hamesh::vrrp
