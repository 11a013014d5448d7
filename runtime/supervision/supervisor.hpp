#pragma once
// The CAF shell around supervisor_core: it spawns, monitors and links children, carries out
// the core's steps one at a time (a stop waits for the child to be gone, killing it after
// shutdown_timeout), answers state queries for its subtree and routes operator actions
// (kill, restart) down the tree by path.
//
// A supervisor that exhausts its restart intensity stops its children and fails; its parent
// sees that as a failed child. The node's top (spawn_node_root) never fails: it gives up on
// the child instead, and an escalation reaching it puts the node in "degraded" and tells
// every subscriber (VRRP drops to priority 0, storage demotes: supervision drives failover).
#include <caf/fwd.hpp>

#include <memory>
#include <string>

#include "runtime/supervision/supervisor_spec.hpp"

namespace hamesh::supervision {

caf::actor spawn_supervisor(caf::local_actor* parent, std::shared_ptr<const supervisor_spec> spec,
                            const std::string& path);

caf::actor spawn_node_root(caf::actor_system& sys, std::shared_ptr<const supervisor_spec> spec,
                           const std::string& node_name);

}  // namespace hamesh::supervision
