#pragma once
// One [[storage.volume]]: a block volume of fixed size kept identical on the two members of a
// storage pair (DRBD's resource), exported over NBD by whichever member is primary. Parsed in
// one place (replica_volume_config.cpp); the replica actor sees only this struct.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "actors/replica/replica_state.hpp"
#include "actors/replica/split_brain_policy.hpp"
#include "runtime/duration.hpp"

namespace hamesh::config {
class table_reader;
}

namespace hamesh::replica {

struct replica_volume_config {
  std::string name;
  std::filesystem::path file;  // the backing file; created at `size` when missing
  // Generation ids, flags and the dirty bitmap; default: `file` + ".meta".
  std::filesystem::path metadata_file;
  uint64_t size = 0;           // bytes, a multiple of block_size
  uint32_t block_size = 4096;  // the export's minimum and preferred block size
  // Resync granularity: one dirty bit per region (DRBD: 4 KiB), so a 4 KiB write costs one
  // region of resync, not more.
  uint32_t region_size = 4096;
  replication_protocol protocol = replication_protocol::c;
  split_brain_policy after_split_brain;  // default: disconnect (refuse and report)

  // The replication stream: this member listens, the peer is dialled; of the two, the member
  // with the lower `listen` address dials (the other only accepts), so they never cross.
  uint32_t listen_address = 0;
  uint16_t listen_port = 0;
  uint32_t peer_address = 0;
  uint16_t peer_port = 0;
  duration ping_interval = std::chrono::milliseconds(100);
  // No frame from the peer for this long: the link is down (its writes go to the bitmap).
  duration peer_timeout = std::chrono::milliseconds(500);
  duration connect_retry = std::chrono::milliseconds(100);

  // The NBD export, served while primary (read-only refusals while secondary).
  uint32_t export_address = 0;
  uint16_t export_port = 0;
  std::string export_name;  // default: name

  // A brand-new pair has no common data: the member that says true is the first sync source
  // and starts primary; the other starts secondary, inconsistent, and takes a full sync.
  bool initial_primary = false;

  // O_DIRECT on the backing file for aligned requests (file_block_device): no page cache
  // between the member and its disk, as DRBD has none. Refused where the file system has no
  // direct I/O (tmpfs).
  bool direct = false;

  std::string fingerprint() const;
};

// Every [[storage.volume]] of a [storage] table, errors reported with positions.
std::vector<replica_volume_config> parse_volumes(config::table_reader& storage);

}  // namespace hamesh::replica
