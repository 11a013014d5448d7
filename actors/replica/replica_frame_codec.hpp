#pragma once
// replica_frame on the wire. Every frame is a 12-byte header, all integers big-endian:
//   magic u32 "HMRF" | type u16 | reserved u16 (0) | payload length u32
// and the payload (layouts in replica_frame_codec.cpp, one function per type). The payload
// has a hard maximum, so a peer cannot make us buffer more than one region's worth. The
// decoder is incremental and total: any bytes give need_more, one frame and how many bytes
// it used, or an error with its reason; a prefix of a valid stream is never an error, and
// once an error is found more bytes do not change it (the fuzz target checks both).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "actors/replica/dirty_bitmap.hpp"
#include "actors/replica/replica_frame.hpp"

namespace hamesh::replica {

constexpr uint32_t frame_magic = 0x484d5246;  // "HMRF"
constexpr size_t frame_header_size = 12;
// A write or a resync region carries at most this much data; with its fields it fits.
constexpr uint64_t max_write_bytes = dirty_bitmap::max_region_size;
constexpr uint32_t max_frame_payload = uint32_t(max_write_bytes) + 64;
// The widest slice of bits one dirty_bitmap frame carries.
constexpr uint64_t max_bitmap_frame_regions = uint64_t(max_write_bytes) * 8;

struct frame_decode {
  enum class status { need_more, frame, error };
  status result = status::need_more;
  replica_frame frame;
  size_t consumed = 0;  // status::frame: header + payload
  replica_errc error = replica_errc::none;
};

frame_decode decode_frame(std::string_view bytes);

// Appends the whole frame to `out`.
void encode_frame(const replica_frame& f, std::string& out);
std::string encode_frame(const replica_frame& f);

// The header and fixed fields of a write frame whose `data_length` bytes of data follow:
// the engine sends this and then the client's buffer as it is (writev), without a copy.
void append_write_frame_prefix(std::string& out, uint64_t sequence, uint64_t offset, uint8_t flags,
                               size_t data_length);

}  // namespace hamesh::replica
