#pragma once
// A VRRP sync group's coordinator (keepalived's vrrp_sync_group): the instances of a group
// change state together. Each member reports its state and whether it is ready to be master;
// the group allows mastership only while every member is master or ready, so one member that
// loses its election takes the others down with it, and they come back together.
#include <caf/fwd.hpp>

#include <string>
#include <vector>

#include "actors/vrrp/vrrp_sync_rule.hpp"

namespace hamesh::vrrp {

caf::actor spawn_sync_group(caf::local_actor* parent, const std::string& path,
                            std::vector<std::string> members);

}  // namespace hamesh::vrrp
