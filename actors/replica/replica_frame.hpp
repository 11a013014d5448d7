#pragma once
// The messages two members of a replicated volume exchange over their TCP stream, decoded.
// One struct per frame type, one variant over them (the type this header is named after);
// replica_frame_codec puts them on the wire. The roles follow DRBD's: a handshake (hello),
// replication of application writes and flushes with their acks, the resync (bitmap,
// checksums, data, done), online verify, keep-alive, role changes and an orderly goodbye.
#include <cstdint>
#include <string>
#include <variant>

#include "actors/replica/generation_ids.hpp"
#include "actors/replica/region_checksum.hpp"
#include "actors/replica/replica_errc.hpp"
#include "actors/replica/replica_state.hpp"

namespace hamesh::replica {

constexpr uint32_t protocol_version = 1;

struct hello_frame {
  uint32_t version = protocol_version;
  std::string node_name;    // 1..255 bytes of printable ASCII without spaces
  std::string volume_name;  // same rules
  uint64_t volume_size = 0;
  uint32_t block_size = 0;
  uint64_t region_size = 0;
  replica_role role = replica_role::secondary;
  generation_ids ids;
  bool bitmap_trusted = true;
  bool discard_my_data = false;  // the operator's manual split-brain answer (DRBD's flag)
  uint64_t dirty_regions = 0;
  uint64_t promoted_at = 0;
};

// A replicated application write. Sequence numbers start at 1 on each connection; the
// secondary applies writes in that order.
struct write_frame {
  static constexpr uint8_t fua = 1;           // durable before it is acknowledged
  static constexpr uint8_t preflush = 2;      // flush what came before, then write
  static constexpr uint8_t ack_received = 4;  // protocol B: acknowledge on receipt as well
  static constexpr uint8_t known_flags = 7;
  uint64_t sequence = 0;
  uint64_t offset = 0;
  uint8_t flags = 0;
  std::string data;  // 1..max_write_bytes
};

struct write_ack_frame {
  enum class kind : uint8_t { received = 1, durable = 2 };
  uint64_t sequence = 0;
  kind what = kind::durable;
  replica_errc status = replica_errc::none;
};

// A barrier: the peer flushes everything it applied before it, then answers.
struct flush_frame {
  uint64_t flush_id = 0;
};
struct flush_ack_frame {
  uint64_t flush_id = 0;
  replica_errc status = replica_errc::none;
};

// A slice of the sender's dirty bitmap; the last slice has `final` set.
struct dirty_bitmap_frame {
  uint64_t first_region = 0;  // a multiple of 8
  uint64_t region_count = 0;
  bool final = false;
  std::string bits;  // (region_count + 7) / 8 bytes, region first_region in bit 0 of byte 0
};

struct resync_data_frame {
  uint64_t region = 0;
  std::string data;  // the region's bytes (the last region may be short)
};

// Checksum-based resync (DRBD's csums-alg): the target compares with its own copy.
struct resync_checksum_frame {
  uint64_t region = 0;
  region_checksum sum{};
};

struct resync_ack_frame {
  enum class kind : uint8_t { written = 1, in_sync = 2, need_data = 3 };
  uint64_t region = 0;
  kind what = kind::written;
  replica_errc status = replica_errc::none;
};

// The source's generation ids after the resync: the target adopts them.
struct resync_done_frame {
  generation_ids source_ids;
};

struct verify_request_frame {
  uint64_t region = 0;
};
struct verify_reply_frame {
  uint64_t region = 0;
  replica_errc status = replica_errc::none;
  region_checksum sum{};
};

struct ping_frame {
  uint64_t nonce = 0;
};
struct pong_frame {
  uint64_t nonce = 0;
};

struct role_change_frame {
  replica_role role = replica_role::secondary;
  uint64_t promoted_at = 0;
};

struct goodbye_frame {
  replica_errc reason = replica_errc::none;
  std::string text;  // for the peer's log: 0..1024 bytes
};

using replica_frame =
    std::variant<hello_frame, write_frame, write_ack_frame, flush_frame, flush_ack_frame,
                 dirty_bitmap_frame, resync_data_frame, resync_checksum_frame, resync_ack_frame,
                 resync_done_frame, verify_request_frame, verify_reply_frame, ping_frame,
                 pong_frame, role_change_frame, goodbye_frame>;

// "hello", "write", ...: for logs.
const char* frame_name(const replica_frame& f);

}  // namespace hamesh::replica
