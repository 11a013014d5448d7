#pragma once
// A [[storage.volume]]'s actor under the node's `storage` subtree: owns the volume's
// replica_engine (its thread moves the bytes: the stream to the peer, the local disk, the NBD
// export), answers state queries (`hameshctl replicas`) and carries out operator commands
// (`hameshctl replica promote|demote|verify|disconnect|connect VOLUME`).
#include <caf/fwd.hpp>

#include <string>

#include "actors/replica/replica_volume_config.hpp"

namespace hamesh::replica {

caf::actor spawn_replica(caf::local_actor* parent, const std::string& path,
                         const replica_volume_config& cfg, const std::string& node_name);

}  // namespace hamesh::replica
