#pragma once
// [[vrrp.instance]]: one virtual router (keepalived's vrrp_instance).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "runtime/duration.hpp"

namespace hamesh::config {
class table_reader;
}

namespace hamesh::vrrp {

struct virtual_address {
  uint32_t address = 0;  // host byte order
  uint8_t prefix = 32;
};

// A tracked actor (by path on this node): while it is not running, or is a probe whose
// verdict is down ("lb/probe/gw"), the instance's priority moves by `weight`; weight 0 means
// FAULT instead (keepalived's convention).
struct tracked_actor {
  std::string path;
  int weight = 0;
};

struct instance_settings {
  std::string name;
  std::string interface;
  uint8_t vrid = 0;
  uint8_t priority = 100;                     // 255: the address owner
  duration advert = std::chrono::seconds(1);  // a multiple of 10 ms (centiseconds on the wire)
  bool preempt = true;
  duration preempt_delay{0};
  std::vector<virtual_address> vips;
  std::vector<uint32_t> unicast_peers;  // empty: multicast to 224.0.0.18
  std::vector<tracked_actor> track;
  duration track_interval = std::chrono::milliseconds(500);
  // Instances of one group change state together; in a group a failed track means FAULT
  // whatever its weight (as keepalived: weights there could deadlock two groups).
  std::string sync_group;
  std::string notify;  // command run on each transition: NOTIFY INSTANCE STATE PRIORITY
  duration notify_timeout = std::chrono::seconds(5);

  std::string fingerprint() const;
};

// Reads the [[vrrp.instance]] array of the [vrrp] table.
std::vector<instance_settings> parse_instances(config::table_reader& vrrp);

}  // namespace hamesh::vrrp
