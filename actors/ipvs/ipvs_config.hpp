#pragma once
// [[ipvs.service]]: one virtual service (LVS's virtual_server in keepalived.conf), with its
// [[ipvs.service.real]] servers and the [ipvs.service.check] every real server gets.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/ipvs/scheduler.hpp"
#include "actors/probe/check_settings.hpp"
#include "runtime/duration.hpp"

namespace hamesh::config {
class table_reader;
}

namespace hamesh::ipvs {

enum class transport { tcp, udp };
// Where packets are forwarded: hamesh's own user-space forwarder (all schedulers, no
// privileges), nftables DNAT maps (kernel speed; rr, wrr, sh), or kernel IPVS.
enum class dataplane_kind { userspace, nftables, kernel };

const char* to_string(transport t);
const char* to_string(dataplane_kind d);

struct real_settings {
  std::string name;      // path segment: lb/probe/<service>/<name>; default "<ip>_<port>"
  uint32_t address = 0;  // IPv4, host byte order
  uint16_t port = 0;
  uint32_t weight = 1;  // 0: configured drained

  std::string endpoint() const;  // "10.0.1.1:25"
};

struct service_settings {
  std::string name;
  uint32_t address = 0;  // the virtual address, IPv4 host order (0.0.0.0: any)
  uint16_t port = 0;
  transport protocol = transport::tcp;
  scheduler_kind scheduler = scheduler_kind::wlc;  // ipvsadm's default
  duration persistence{0};                         // 0: none
  uint32_t quorum = 1;  // least total weight of healthy real servers to serve without sorry
  std::optional<real_settings> sorry_server;
  bool inhibit_on_failure = false;  // failed: weight 0 (keeps persistence) instead of removed
  dataplane_kind dataplane = dataplane_kind::userspace;
  duration connect_timeout = std::chrono::seconds(3);  // userspace: connecting to a real
  // Idle connections are closed after this (LVS: 15 min for TCP, 5 min for UDP).
  duration idle_timeout = std::chrono::minutes(15);
  uint32_t max_connections = 0;  // userspace: 0 = unlimited
  // userspace: a graceful stop closes the listener, then lets open connections finish for up
  // to this long (keep it below supervision.shutdown_timeout, which kills past it)
  duration drain_timeout{0};
  std::vector<real_settings> reals;
  std::optional<probe::check_settings> check;  // aimed at each real by check_for()

  std::string endpoint() const;
  probe::check_settings check_for(const real_settings& real) const;
  std::string fingerprint() const;
  // What needs a new listener (and so a restart): address, port, protocol, data plane. The
  // rest a running service takes in place on a reload (its open connections stay).
  std::string listener_fingerprint() const;
};

// Reads the [[ipvs.service]] array of the [ipvs] table.
std::vector<service_settings> parse_services(config::table_reader& ipvs);

}  // namespace hamesh::ipvs
