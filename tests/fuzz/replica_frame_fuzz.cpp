// Any bytes as a peer's stream into the replication frame decoder: never a crash, every
// input gets need-more, a frame or an error; a decoded frame re-encodes to exactly the bytes
// it came from (the encoding is canonical); the stream decodes the same whole, cut at an
// input-chosen point, or byte by byte; and an error stays an error when more bytes come. The
// first byte's low bits also send the rest to the stored bitmap and metadata decoders, which
// must round-trip whatever they accept.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "actors/replica/dirty_bitmap.hpp"
#include "actors/replica/replica_frame_codec.hpp"
#include "actors/replica/replica_metadata.hpp"

using namespace hamesh::replica;

namespace {

// Decodes a stream arriving in pieces of `piece` bytes (the first of `first`), the way the
// engine's read loop does, and writes a transcript of what came out.
std::string run(std::string_view bytes, size_t first, size_t piece) {
  std::string transcript, buffer;
  size_t at = 0, size = first;
  bool failed = false;
  while (at < bytes.size() && !failed) {
    size_t n = std::min(size, bytes.size() - at);
    buffer.append(bytes.data() + at, n);
    at += n;
    size = piece;
    for (;;) {
      frame_decode d = decode_frame(buffer);
      if (d.result == frame_decode::status::need_more) {
        // Nothing decodable may be left waiting: a header's worth of a too-large frame would
        // already be an error.
        if (buffer.size() >= frame_header_size + max_frame_payload) std::abort();
        break;
      }
      if (d.result == frame_decode::status::error) {
        if (d.error == replica_errc::none || d.consumed != 0) std::abort();
        // More bytes never change an error.
        frame_decode again = decode_frame(buffer + std::string(64, '\xff'));
        if (again.result != frame_decode::status::error || again.error != d.error) std::abort();
        transcript += "|error ";
        transcript += to_string(d.error);
        failed = true;
        break;
      }
      if (d.consumed < frame_header_size || d.consumed > buffer.size()) std::abort();
      std::string again = encode_frame(d.frame);
      if (again != std::string_view(buffer).substr(0, d.consumed)) std::abort();
      transcript += "|";
      transcript += frame_name(d.frame);
      transcript += std::to_string(d.consumed);
      buffer.erase(0, d.consumed);
    }
  }
  if (!failed) transcript += "|left " + std::to_string(buffer.size());
  return transcript;
}

void check_stored_bitmap(std::string_view bytes) {
  // A small geometry so that valid encodings are reachable: 1 MiB in 4 KiB regions.
  bitmap_load l = decode_dirty_bitmap(bytes, 1 << 20, 4096);
  if (l.bitmap.has_value() == !l.untrusted_because.empty()) std::abort();
  if (l.bitmap && l.bitmap->encode() != bytes) std::abort();
}

void check_stored_metadata(std::string_view bytes) {
  metadata_load l = decode_replica_metadata(bytes);
  if (l.metadata.has_value() == !l.bad_because.empty()) std::abort();
  if (l.metadata && l.metadata->encode() != bytes) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data + 2), size - 2);
  switch (data[0] & 3) {
    case 1:
      check_stored_bitmap(bytes);
      return 0;
    case 2:
      check_stored_metadata(bytes);
      return 0;
    default:
      break;
  }
  size_t cut = data[1];
  std::string whole = run(bytes, bytes.size() + 1, 1);
  std::string two_pieces = run(bytes, cut, bytes.size() + 1);
  std::string bytewise = run(bytes, 1, 1);
  if (whole != two_pieces || whole != bytewise) std::abort();
  return 0;
}
