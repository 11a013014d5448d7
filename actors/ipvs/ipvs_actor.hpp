#pragma once
// A virtual service's actor (an IPVS manager): owns the service's data plane, subscribes to
// the probes of its real servers and rebuilds the pool on each verdict, drain or quorum
// change; answers `hameshctl ipvs` with ipvsadm's table and `drain` / `undrain`.
#include <caf/fwd.hpp>

#include <string>

#include "actors/ipvs/ipvs_config.hpp"

namespace hamesh::ipvs {

caf::actor spawn_ipvs_service(caf::local_actor* parent, const std::string& path,
                              const service_settings& service);

// Where the probe of real server `real` of `service` sits, relative to the lb subtree:
// "probe/<service>/<real>".
std::string probe_name(const service_settings& service, const real_settings& real);

}  // namespace hamesh::ipvs
