#pragma once
// Why the replication core refused something or gave up on a peer: client requests, operator
// commands, the handshake's verdicts, the wire codec and the local disk. One enum for the
// domain (STYLE.md §14); each value names the rule it comes from. The words are for counters
// and logs; the engine maps client-facing ones to NBD errors.
#include <string>

namespace hamesh::replica {

enum class replica_errc {
  none,  // no error: a write_ack's "ok", a codec's "no error yet"
  // Client requests and operator commands.
  not_primary,        // a client write reached a secondary: only the primary writes (DRBD)
  peer_is_primary,    // promotion refused while the connected peer is primary (unless forced)
  disk_inconsistent,  // promotion refused: the local data is mid-resync (unless forced)
  out_of_range,       // a write or region past the end of the volume
  write_too_large,    // a write longer than max_write_bytes (it would not fit one frame)
  not_connected,      // an online verify needs a connected, in-sync peer
  busy,               // a verify while a resync or another verify runs
  invalid_setting,    // replica_settings that cannot work (region size not a power of two...)
  // The local disk.
  disk_failed,        // the local disk failed earlier: the core refuses I/O from then on
  disk_write_failed,  // a local write completed with an error
  disk_read_failed,   // a local read (resync or verify) completed with an error
  disk_flush_failed,  // a local flush completed with an error
  peer_disk_failed,   // the peer's write failed: the region is out of sync, the client is told ok
  // The handshake's verdicts (DRBD's generation-identifier comparison and its after-sb rules).
  split_brain,             // both members wrote since they parted; the policy did not pick a victim
  unrelated_data,          // no generation in common: two volumes that were never a pair
  no_initial_sync_source,  // both members are new: an operator must designate the first source
  dual_primary,            // both members are primary at the handshake: never replicate both ways
  target_is_primary,       // the decision would overwrite the data of a member that is primary
  same_node_name,          // the peer announces our own node name: a configuration mistake
  bitmap_untrusted,        // the stored dirty bitmap failed its checks: a full resync follows
  bad_metadata,            // the stored metadata failed its checks: the member cannot start
  geometry_mismatch,       // two bitmaps of different volume or region sizes
  // The wire (replica_frame_codec).
  bad_magic,            // a frame header without the protocol's magic: not a hamesh peer
  frame_too_large,      // a frame longer than max_frame_payload: refused before buffering it
  unknown_frame_type,   // a type number this version does not know
  truncated_field,      // a payload that ends inside a field, or a length past the payload
  bad_field_value,      // a field outside its range (a flag bit, a role, a length that lies)
  version_mismatch,     // the peer speaks another protocol version
  volume_mismatch,      // the peer's volume differs: name, size, block or region size
  unexpected_frame,     // a valid frame that the current state does not allow
  bad_sequence,         // a replicated write out of sequence: the stream lost or reordered one
  peer_goodbye,         // the peer ended the connection with a goodbye frame
  operator_disconnect,  // the operator asked for a disconnect
};

// "not_primary", "split_brain", ...: for logs and counters.
const char* to_string(replica_errc e);

}  // namespace hamesh::replica
