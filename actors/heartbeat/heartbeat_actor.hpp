#pragma once
// A storage pair's heartbeat actor, `storage/heartbeat/<pair>`: heartbeats on every UDP link
// every keepalive, the pure core (intake, monitor, arbiter, takeover plan) fed with what
// arrives and with time, and the plan's steps carried out: the fence command, the replica's
// promote/demote (through the storage supervisor's lookup, so a restarted replica is found
// again), the service IP (rtnetlink + gratuitous ARP) and resource agents (commands with
// timeouts). Runs detached: deadtime is measured in tens of milliseconds with tight settings.
//
// Start-up: the actor first asks its replicas for their role. A replica that is primary
// already (a new pair's initial_primary, or resources that survived a restart of this actor
// alone) means this node serves: it takes its resources again at once, without fencing
// (every start step is idempotent). Otherwise it waits for the peer until initdead: a peer
// heard holding the resources keeps them; heard holding nothing, the preferred node (or the
// name that sorts first) takes them; not heard within initdead, it is dead: fence, take over.
#include <caf/fwd.hpp>

#include <string>

#include "actors/heartbeat/heartbeat_config.hpp"

namespace hamesh::heartbeat {

caf::actor spawn_heartbeat(caf::local_actor* parent, const std::string& path,
                           const heartbeat_config& cfg);

}  // namespace hamesh::heartbeat
