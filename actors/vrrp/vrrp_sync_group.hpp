#pragma once
// A VRRP sync group's coordinator (keepalived's vrrp_sync_group): the instances of a group
// change state together. Each member reports its state and whether it is ready to be master;
// the group allows mastership only while every member is master or ready, so one member that
// loses its election takes the others down with it, and they come back together.
#include <caf/fwd.hpp>

#include <string>
#include <vector>

namespace hamesh::vrrp {

caf::actor spawn_sync_group(caf::local_actor* parent, const std::string& path,
                            std::vector<std::string> members);

// Whether mastership is allowed, given each member's (state, ready) report; pure.
struct member_report {
  std::string state;  // INIT, BACKUP, MASTER, FAULT; empty until it reported
  bool ready = false;
};
bool group_allows_master(const std::vector<member_report>& members);

}  // namespace hamesh::vrrp
