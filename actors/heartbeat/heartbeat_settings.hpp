#pragma once
// The timing and links of one pair's heartbeat (the [heartbeat] config section parses into
// this). Names and defaults follow heartbeat's ha.cf: keepalive, warntime, deadtime,
// initdead, whose sample ha.cf ships 2 s / 10 s / 30 s / 120 s. hamesh's storage failover
// target is <= 500 ms, which takes tight settings (keepalive 50ms, warntime 150ms, deadtime
// 300ms); validate accepts those and refuses combinations that cannot work.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/duration.hpp"

namespace hamesh::heartbeat {

struct heartbeat_settings {
  duration keepalive = std::chrono::seconds(2);  // interval between heartbeats on every link
  // ha.cf's warntime: nothing on any link this long is a "late heartbeat" warning.
  duration warntime = std::chrono::seconds(10);
  // ha.cf's deadtime: nothing on any link this long and the peer is dead (takeover); one link
  // silent this long while another still hears the peer is a link failure.
  duration deadtime = std::chrono::seconds(30);
  // ha.cf's initdead: after start, how long to wait for a first heartbeat before declaring
  // the peer dead. Networks and peers take time to come up after a boot, so heartbeat advises
  // at least twice deadtime; validate only requires initdead >= deadtime.
  duration initdead = std::chrono::seconds(120);
  // One name per link: a UDP interface/address or the CAF mesh ("mesh"). The index in this
  // list is the link id the monitor, the sender and the intake use.
  std::vector<std::string> links;
  uint64_t replay_window = 32;  // see replay_guard
};

struct settings_problem {
  std::string key;  // "warntime", "links[1]", ...
  std::string why;  // what is wrong and what would work, for --check-config
};

// Every problem, empty when the settings work:
// - keepalive > 0; keepalive < warntime < deadtime <= initdead;
// - deadtime >= 2 x keepalive: one lost heartbeat must never look like a death;
// - deadtime - warntime >= keepalive: a link failure is only reported while the peer is not
//   suspected (see heartbeat_monitor), so the links' last packets, which may differ by one
//   lost keepalive, must all fall in the deadtime - warntime gap when the peer dies;
// - at least one link, names valid (heartbeat_message's rule) and unique;
// - replay_window > 0.
std::vector<settings_problem> validate(const heartbeat_settings& s);

}  // namespace hamesh::heartbeat
