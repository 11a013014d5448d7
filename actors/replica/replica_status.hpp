#pragma once
// A snapshot of one replicated volume's member, as its engine last published it: what the
// replica actor answers state queries with and `hameshctl replicas` shows.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/replica/generation_ids.hpp"
#include "actors/replica/replica_action.hpp"
#include "actors/replica/replica_state.hpp"

namespace hamesh::replica {

struct replica_status {
  replica_state state;
  std::optional<replica_role> peer_role;
  std::string peer_address;  // the connected peer's "IP:PORT", "" when none
  generation_ids ids;
  uint64_t dirty_regions = 0;
  uint64_t dirty_bytes = 0;
  bool bitmap_trusted = true;
  bool resync_running = false;
  resync_stats resync;  // the running or the last resync
  bool verify_running = false;
  verify_finished verify;                   // the last verify's totals
  std::vector<uint64_t> verify_mismatches;  // regions of the last verify (first 64)
  std::string last_change;                  // the last state change's reason
  uint64_t state_changes = 0;
  // Counters since start.
  uint64_t client_writes = 0, client_reads = 0, client_flushes = 0;
  uint64_t bytes_written = 0, bytes_read = 0;
  uint64_t write_errors = 0;
  uint64_t connects = 0;     // TCP streams to the peer established
  uint64_t disconnects = 0;  // lost (timeouts, resets, goodbyes, protocol errors)
  uint64_t frames_in = 0, frames_out = 0;
  uint64_t bytes_to_peer = 0, bytes_from_peer = 0;
  uint64_t protocol_errors = 0;  // malformed frames from the peer
  uint64_t bitmap_writes = 0;
  bool direct_active = false;  // durable writes go through O_DIRECT (direct = true, not refused)
  uint64_t writes_in_flight = 0;
  uint16_t replication_port = 0;
  uint16_t export_port = 0;  // 0 while the export is closed (secondary)
  uint64_t export_connections = 0;
};

}  // namespace hamesh::replica
