// The service settings' own functions: names, endpoints, the probe aimed at each real server
// and the fingerprint. (Parsing them is in ipvs_config.cpp, part of the config library.)
#include "actors/ipvs/ipvs_config.hpp"
#include "runtime/ipv4_text.hpp"

namespace hamesh::ipvs {

const char* to_string(transport t) {
  return t == transport::tcp ? "tcp" : "udp";
}

const char* to_string(dataplane_kind d) {
  switch (d) {
    case dataplane_kind::userspace:
      return "userspace";
    case dataplane_kind::nftables:
      return "nftables";
    case dataplane_kind::kernel:
      return "kernel";
  }
  return "?";
}

std::string real_settings::endpoint() const {
  return format_ipv4(address) + ":" + std::to_string(port);
}

std::string service_settings::endpoint() const {
  return format_ipv4(address) + ":" + std::to_string(port);
}

probe::check_settings service_settings::check_for(const real_settings& real) const {
  auto c = *check;
  c.host = format_ipv4(real.address);
  if (c.port == 0) c.port = real.port;
  return c;
}

std::string service_settings::fingerprint() const {
  std::string out =
      "listen=" + endpoint() + ";proto=" + to_string(protocol) + ";sched=" + to_string(scheduler) +
      ";persist=" + format_duration(persistence) + ";quorum=" + std::to_string(quorum) +
      ";sorry=" + (sorry_server ? sorry_server->endpoint() : "") +
      ";inhibit=" + (inhibit_on_failure ? "1" : "0") + ";dataplane=" + to_string(dataplane) +
      ";connect_timeout=" + format_duration(connect_timeout) +
      ";idle=" + format_duration(idle_timeout) + ";max=" + std::to_string(max_connections) +
      ";drain=" + format_duration(drain_timeout) + ";reals=";
  for (auto& r : reals) out += r.name + "=" + r.endpoint() + "*" + std::to_string(r.weight) + ",";
  // The check belongs to the probes: a changed check restarts them, not the service.
  return out;
}

std::string service_settings::listener_fingerprint() const {
  return "listen=" + endpoint() + ";proto=" + to_string(protocol) +
         ";dataplane=" + to_string(dataplane);
}

}  // namespace hamesh::ipvs
