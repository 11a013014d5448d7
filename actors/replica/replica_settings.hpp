#pragma once
// Everything one member of one replicated volume is configured with. The config section
// ([[storage.volume]]) is parsed into this; validate() refuses what cannot work instead of
// falling back to a default.
#include <cstdint>
#include <string>

#include "actors/replica/dirty_bitmap.hpp"
#include "actors/replica/replica_errc.hpp"
#include "actors/replica/replica_state.hpp"
#include "actors/replica/split_brain_policy.hpp"

namespace hamesh::replica {

struct replica_settings {
  std::string node_name;    // this member, as the peer and discard-node see it
  std::string volume_name;  // both members must agree
  uint64_t volume_size = 0;
  uint32_t block_size = 4096;
  uint64_t region_size = dirty_bitmap::default_region_size;  // one bitmap bit
  replication_protocol protocol = replication_protocol::c;
  split_brain_policy after_split_brain;  // default: disconnect
  // Regions of a resync or verify in flight at once: bounds the data held in memory
  // (window x region size) and keeps the stream busy across a round trip.
  uint32_t resync_window = 8;
  uint32_t verify_window = 8;
  // Full resyncs compare SHA-256 sums first and send only regions that differ (DRBD's
  // csums-alg): a cheap read on the target saves the network. Off: send every region.
  bool checksum_full_sync = true;
  // Writes sent to the peer since its last flush are at risk if the peer dies (its disk may
  // not have them yet); past this many regions a barrier flush is sent even without idle time.
  uint32_t unflushed_region_limit = 1024;
  // Extents written while connected are kept in the stored bitmap (DRBD's activity log), so
  // that a crashed primary resyncs them. An extent is many regions (DRBD: 4 MiB extents over
  // 4 KiB bits): the bitmap is written when a write touches an extent not yet in the log, so
  // coarse extents keep that write off the path of nearly every client write (measured:
  // with one region per entry, 1980 bitmap writes for 2000 random 4 KiB writes, tripling
  // their latency). The price: a crashed primary resyncs whole extents.
  uint64_t activity_extent_size = 4 * 1024 * 1024;
  // Above this many extents in the log, a completed flush trims them (DRBD's al-extents).
  uint32_t activity_extent_limit = 1237;
  // A random value drawn by the engine at each start: new generation ids are derived from it,
  // so the core stays deterministic for tests and unique across members and restarts.
  uint64_t generation_seed = 0;

  // replica_errc::invalid_setting with `why` set, or none.
  replica_errc validate(std::string* why = nullptr) const;
};

}  // namespace hamesh::replica
