#pragma once
// What the core asks its engine to do, as values. Every input returns them in a vector, to
// be carried out IN ORDER: a persist_* action must be durable before a later local_write is
// submitted (that order is what makes the bitmap and the generation ids crash-safe), and
// send actions go on the stream in the order given. Local I/O completions come back through
// the core's *_done inputs with the io token of the action.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "actors/replica/replica_errc.hpp"
#include "actors/replica/replica_frame.hpp"
#include "actors/replica/replica_metadata.hpp"
#include "actors/replica/replica_state.hpp"

namespace hamesh::replica {

// Write to the local disk. The bytes are either a client write's (the engine holds them under
// `client_write`, the id it gave client_write) or carried here (a peer's write, resync data).
struct local_write {
  uint64_t io = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
  bool fua = false;
  std::optional<uint64_t> client_write;
  std::string data;
};

struct local_flush {
  uint64_t io = 0;
};

// Read for a resync or a verify; answer with local_read_done(io, ok, bytes).
struct local_read {
  uint64_t io = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct send_frame {
  replica_frame frame;
};

// Replicate a client write: the engine sends append_write_frame_prefix(sequence, offset,
// flags, length) followed by the client's bytes, so the data is never copied into the core.
struct send_client_write {
  uint64_t client_write = 0;
  uint64_t sequence = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
  uint8_t flags = 0;
};

// The client write is complete (result none) or failed. The engine may drop its bytes now.
struct ack_client_write {
  uint64_t client_write = 0;
  replica_errc result = replica_errc::none;
};

struct ack_client_flush {
  uint64_t client_flush = 0;
  replica_errc result = replica_errc::none;
};

struct persist_metadata {
  replica_metadata metadata;
};

// The stored form of the dirty bitmap (dirty_bitmap::encode of dirty plus active regions).
struct persist_bitmap {
  std::string encoded;
};

struct state_changed {
  replica_state from;
  replica_state to;
  std::string reason;  // for the log: "peer lost", "split brain: policy disconnect", ...
};

// Online verify found a region whose checksums differ; the data is left as it is.
struct verify_mismatch {
  uint64_t region = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct verify_finished {
  uint64_t regions_checked = 0;
  uint64_t mismatches = 0;
  uint64_t regions_skipped = 0;  // kept busy by writes, or a read error on either side
};

struct resync_stats {
  bool as_source = false;
  bool full = false;               // every region (new member, untrusted bitmap, generations apart)
  bool checksums = false;          // only regions whose SHA-256 differs were sent
  uint64_t regions_total = 0;      // regions to resync when it started
  uint64_t dirty_bytes_total = 0;  // their bytes
  uint64_t regions_done = 0;       // resynced (data sent, or found equal)
  uint64_t regions_in_sync = 0;    // of those, found equal by checksum
  uint64_t data_bytes_sent = 0;    // region bytes in resync_data frames
  uint64_t wire_bytes_sent = 0;    // every resync frame's bytes on the wire, headers included
};

struct resync_finished {
  resync_stats stats;
};

// Close the stream to the peer (after the frames already queued, e.g. a goodbye). The core is
// already in its new state; a later peer_disconnected() is harmless.
struct close_connection {
  replica_errc reason = replica_errc::none;
};

using replica_action =
    std::variant<local_write, local_flush, local_read, send_frame, send_client_write,
                 ack_client_write, ack_client_flush, persist_metadata, persist_bitmap,
                 state_changed, verify_mismatch, verify_finished, resync_finished,
                 close_connection>;

}  // namespace hamesh::replica
