#pragma once
// A probe's actor: runs its check every interval on a worker thread of its own (a hung
// server costs this probe one timeout, nothing else), keeps rise/fall, and tells its
// subscribers (IPVS services, proxies) each verdict change. Its state carries
// `"healthy": false` while down, which VRRP tracking reads.
#include <caf/fwd.hpp>

#include <string>

#include "actors/probe/check_settings.hpp"

namespace hamesh::probe {

caf::actor spawn_probe(caf::local_actor* parent, const std::string& path,
                       const check_settings& check);

}  // namespace hamesh::probe
