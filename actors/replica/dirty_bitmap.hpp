#pragma once
// One bit per region of the volume: set when the region may differ between the two members
// (DRBD's "quick-sync bitmap"). Writes made while the peer is away set bits; the resync sends
// exactly the set regions and clears them as the target confirms them. The on-disk encoding
// carries its geometry and a SHA-256 over header and bits, so a stale, torn or foreign bitmap
// is detected on load and answered with a full resync instead of a partial one that would
// silently miss changes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/replica/replica_errc.hpp"

namespace hamesh::replica {

class dirty_bitmap {
 public:
  static constexpr uint64_t default_region_size = 64 * 1024;
  static constexpr uint64_t min_region_size = 4096;
  static constexpr uint64_t max_region_size = 4 * 1024 * 1024;

  // An empty bitmap of a zero-sized volume; assign a real one before use.
  dirty_bitmap() = default;
  // `region_size` is a power of two in [min_region_size, max_region_size]; check with valid().
  dirty_bitmap(uint64_t volume_size, uint64_t region_size);
  static bool valid_geometry(uint64_t volume_size, uint64_t region_size);

  uint64_t volume_size() const { return volume_size_; }
  uint64_t region_size() const { return region_size_; }
  uint64_t regions() const { return regions_; }
  uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  bool same_geometry(const dirty_bitmap& o) const {
    return volume_size_ == o.volume_size_ && region_size_ == o.region_size_;
  }

  // The region holding byte `offset`, and a region's byte range (the last one may be short).
  uint64_t region_of(uint64_t offset) const { return offset >> shift_; }
  uint64_t region_offset(uint64_t region) const { return region << shift_; }
  uint64_t region_length(uint64_t region) const;

  bool test(uint64_t region) const;
  // Every region that [offset, offset + length) touches; the range is clipped to the volume.
  // Returns how many bits were newly set (the engine persists only when it is nonzero).
  uint64_t mark(uint64_t offset, uint64_t length);
  bool mark_region(uint64_t region);  // true if newly set
  bool clear_region(uint64_t region);
  void mark_all();
  void clear_all();
  // The first set region at or after `from`, in order.
  std::optional<uint64_t> next_dirty(uint64_t from) const;
  // OR: after this, every region dirty in either is dirty here.
  replica_errc merge(const dirty_bitmap& other);

  // The bits as bytes, region 0 in bit 0 of byte 0 (for the wire's dirty_bitmap frames), and
  // OR such bytes in at a region that is a multiple of 8.
  std::string bits(uint64_t first_region, uint64_t count) const;
  replica_errc merge_bits(uint64_t first_region, uint64_t count, std::string_view bytes);

  // The on-disk form: magic, version, volume size, region size, dirty count, SHA-256, bits.
  std::string encode() const;

  bool operator==(const dirty_bitmap& o) const { return same_geometry(o) && words_ == o.words_; }

 private:
  uint64_t volume_size_ = 0;
  uint64_t region_size_ = default_region_size;
  unsigned shift_ = 16;
  uint64_t regions_ = 0;
  uint64_t count_ = 0;
  std::vector<uint64_t> words_;
};

// Decoding a stored bitmap: a bitmap that matches the volume it is loaded for, or "untrusted"
// with the reason for the log (the core then does a full, checksum-based resync).
struct bitmap_load {
  std::optional<dirty_bitmap> bitmap;
  std::string untrusted_because;  // empty when loaded
};
bitmap_load decode_dirty_bitmap(std::string_view bytes, uint64_t volume_size, uint64_t region_size);

}  // namespace hamesh::replica
