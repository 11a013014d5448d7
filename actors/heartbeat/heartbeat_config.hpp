#pragma once
// [heartbeat]: one storage pair's heartbeat (ha.cf + haresources in one table). Parsed in one
// place (heartbeat_config.cpp) with positions; the heartbeat actor sees only this struct.
//
//   [heartbeat]                 pair, peer, key | key_file, keepalive, warntime, deadtime,
//                               initdead, auto_failback, preferred, mesh
//   [[heartbeat.link]]          name, listen = "IP:PORT", and peer = "IP:PORT" (unicast) or
//                               group = "IP:PORT" + interface (multicast)
//   [heartbeat.fence]           command = [argv...], timeout, policy = required|best_effort
//   [[heartbeat.resource]]      kind = replica (volume) | ip (address, interface) |
//                               agent (name, start, stop, status, timeout); in start order
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/heartbeat/heartbeat_settings.hpp"
#include "actors/heartbeat/takeover_plan.hpp"

namespace hamesh::config {
class table_reader;
}
namespace hamesh::replica {
struct replica_volume_config;
}

namespace hamesh::heartbeat {

struct heartbeat_link_config {
  std::string name;
  // The CAF mesh to the peer's node (mesh = true): the same signed heartbeats as messages to
  // the peer's heartbeat actor; none of the UDP fields below apply.
  bool over_mesh = false;
  uint32_t listen_address = 0;  // bound to (unicast) / the multicast interface's address
  uint16_t listen_port = 0;
  uint32_t peer_address = 0;  // unicast: where the peer's link listens
  uint16_t peer_port = 0;
  uint32_t group = 0;     // multicast: the group (0 = unicast); peer_port is its port
  std::string interface;  // multicast: the interface the group is joined on
  bool multicast() const { return group != 0; }
};

struct heartbeat_resource_config {
  resource_step step;    // kind, name ("replica/vol0", "ip/10.0.0.5", "agent/dovecot"), timeout
  std::string volume;    // replica: the [[storage.volume]] to promote and demote
  uint32_t address = 0;  // ip: the service address and its prefix on `interface`
  uint8_t prefix = 32;
  std::string interface;
  std::vector<std::string> start, stop, status;  // agent: argv of each action
};

struct heartbeat_fence_config {
  std::vector<std::string> command;  // argv; exit 0 = the peer is surely down
  duration timeout = std::chrono::seconds(20);
};

struct heartbeat_config {
  std::string pair;
  std::string self;  // [node] name
  std::string peer;
  std::string key;            // the shared HMAC key (from key or key_file)
  heartbeat_settings timing;  // links named after [[heartbeat.link]]
  bool auto_failback = false;
  std::string preferred;  // "" = none: the node whose name sorts first wins ties
  std::vector<heartbeat_link_config> links;
  std::optional<heartbeat_fence_config> fence;
  fence_policy fencing = fence_policy::required;
  std::vector<heartbeat_resource_config> resources;

  // The plan's settings: the fence step and the resources' steps, in order.
  takeover_settings takeover() const;
  // What makes the supervisor restart the actor on a reload (everything: it is one pair).
  std::string fingerprint() const;
};

// Reads the [heartbeat] table; `node_name` is [node] name (the pair's `self`). Resources of
// kind replica must name one of `volumes` (the [[storage.volume]]s, read before).
heartbeat_config parse_heartbeat(config::table_reader& t, const std::string& node_name,
                                 const std::vector<replica::replica_volume_config>& volumes);

}  // namespace hamesh::heartbeat
