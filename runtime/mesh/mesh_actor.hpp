#pragma once
// The `mesh` actor: keeps a connection to every configured peer's published node (through
// CAF's middleman, over mutual TLS when [tls] is set), retries with backoff, pings every
// heartbeat to measure RTT and notice silence, and keeps the membership view that
// `hameshctl peers` shows.
#include <caf/fwd.hpp>

#include <string>

#include "config/node_config.hpp"

namespace hamesh::mesh {

// `node` is this node's top (what peers are sent in our hello).
caf::actor spawn_mesh(caf::local_actor* parent, const std::string& path,
                      const config::mesh_section& cfg, bool tls);

// What in [mesh] needs a new mesh actor when it changes on reload.
std::string fingerprint(const config::mesh_section& cfg);

}  // namespace hamesh::mesh
