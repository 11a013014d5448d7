#include "actors/replica/dirty_bitmap.hpp"

#include <algorithm>

#include "actors/replica/region_checksum.hpp"
#include "actors/replica/wire_bytes.hpp"

namespace hamesh::replica {

namespace {

constexpr uint32_t bitmap_magic = 0x484d4254;  // "HMBT"
constexpr uint16_t bitmap_version = 1;
constexpr size_t header_size = 4 + 2 + 2 + 8 + 8 + 8;  // + 32 bytes of digest

unsigned log2_of(uint64_t v) {
  unsigned s = 0;
  while ((uint64_t(1) << s) < v) ++s;
  return s;
}

std::string header(uint64_t volume_size, uint64_t region_size, uint64_t count) {
  std::string h;
  put_u32(h, bitmap_magic);
  put_u16(h, bitmap_version);
  put_u16(h, 0);
  put_u64(h, volume_size);
  put_u64(h, region_size);
  put_u64(h, count);
  return h;
}

}  // namespace

bool dirty_bitmap::valid_geometry(uint64_t volume_size, uint64_t region_size) {
  (void)volume_size;
  return region_size >= min_region_size && region_size <= max_region_size &&
         (region_size & (region_size - 1)) == 0;
}

dirty_bitmap::dirty_bitmap(uint64_t volume_size, uint64_t region_size)
    : volume_size_(volume_size), region_size_(region_size), shift_(log2_of(region_size)) {
  regions_ = (volume_size + region_size - 1) >> shift_;
  words_.assign((regions_ + 63) / 64, 0);
}

uint64_t dirty_bitmap::region_length(uint64_t region) const {
  if (region >= regions_) return 0;
  uint64_t start = region_offset(region);
  return std::min(region_size_, volume_size_ - start);
}

bool dirty_bitmap::test(uint64_t region) const {
  return region < regions_ && (words_[region / 64] >> (region % 64) & 1);
}

bool dirty_bitmap::mark_region(uint64_t region) {
  if (region >= regions_ || test(region)) return false;
  words_[region / 64] |= uint64_t(1) << (region % 64);
  ++count_;
  return true;
}

bool dirty_bitmap::clear_region(uint64_t region) {
  if (!test(region)) return false;
  words_[region / 64] &= ~(uint64_t(1) << (region % 64));
  --count_;
  return true;
}

uint64_t dirty_bitmap::mark(uint64_t offset, uint64_t length) {
  if (length == 0 || offset >= volume_size_) return 0;
  uint64_t end = length > volume_size_ - offset ? volume_size_ : offset + length;
  uint64_t newly = 0;
  for (uint64_t r = region_of(offset); r <= region_of(end - 1); ++r) newly += mark_region(r);
  return newly;
}

void dirty_bitmap::mark_all() {
  for (uint64_t r = 0; r < regions_; ++r) mark_region(r);
}

void dirty_bitmap::clear_all() {
  words_.assign(words_.size(), 0);
  count_ = 0;
}

std::optional<uint64_t> dirty_bitmap::next_dirty(uint64_t from) const {
  for (uint64_t w = from / 64; w < words_.size(); ++w) {
    uint64_t word = words_[w];
    if (w == from / 64) word &= ~uint64_t(0) << (from % 64);
    if (word) return w * 64 + uint64_t(__builtin_ctzll(word));
  }
  return std::nullopt;
}

replica_errc dirty_bitmap::merge(const dirty_bitmap& other) {
  if (!same_geometry(other)) return replica_errc::geometry_mismatch;
  count_ = 0;
  for (size_t i = 0; i < words_.size(); ++i) {
    words_[i] |= other.words_[i];
    count_ += uint64_t(__builtin_popcountll(words_[i]));
  }
  return replica_errc::none;
}

std::string dirty_bitmap::bits(uint64_t first_region, uint64_t count) const {
  std::string out((count + 7) / 8, '\0');
  for (uint64_t i = 0; i < count; ++i)
    if (test(first_region + i)) out[i / 8] = char(uint8_t(out[i / 8]) | (1u << (i % 8)));
  return out;
}

replica_errc dirty_bitmap::merge_bits(uint64_t first_region, uint64_t count,
                                      std::string_view bytes) {
  if (first_region % 8 != 0 || first_region > regions_ || count > regions_ - first_region ||
      bytes.size() != (count + 7) / 8)
    return replica_errc::bad_field_value;
  for (uint64_t i = 0; i < count; ++i)
    if (uint8_t(bytes[i / 8]) >> (i % 8) & 1) mark_region(first_region + i);
  return replica_errc::none;
}

std::string dirty_bitmap::encode() const {
  std::string out = header(volume_size_, region_size_, count_);
  std::string bits_bytes;
  bits_bytes.reserve(words_.size() * 8);
  for (uint64_t w : words_) put_u64(bits_bytes, w);
  region_checksum sum = checksum_of(out + bits_bytes);
  out.append(reinterpret_cast<const char*>(sum.data()), sum.size());
  out += bits_bytes;
  return out;
}

bitmap_load decode_dirty_bitmap(std::string_view bytes, uint64_t volume_size,
                                uint64_t region_size) {
  auto untrusted = [](std::string why) { return bitmap_load{std::nullopt, std::move(why)}; };
  if (!dirty_bitmap::valid_geometry(volume_size, region_size))
    return untrusted("the volume's region size is not valid");
  wire_reader r(bytes);
  uint32_t magic = r.u32();
  uint16_t version = r.u16();
  uint16_t reserved = r.u16();
  uint64_t stored_volume = r.u64();
  uint64_t stored_region = r.u64();
  uint64_t stored_count = r.u64();
  std::string_view digest = r.bytes(32);
  if (!r.ok()) return untrusted("shorter than its header");
  if (magic != bitmap_magic) return untrusted("not a hamesh bitmap (bad magic)");
  if (version != bitmap_version || reserved != 0)
    return untrusted("unknown bitmap version " + std::to_string(version));
  if (stored_volume != volume_size || stored_region != region_size)
    return untrusted("written for another geometry (volume " + std::to_string(stored_volume) +
                     " bytes, region " + std::to_string(stored_region) + ")");
  dirty_bitmap b(volume_size, region_size);
  size_t words = size_t((b.regions() + 63) / 64);
  if (r.remaining() != words * 8) return untrusted("the bits have the wrong length");
  std::string_view bits_bytes = r.bytes(words * 8);
  region_checksum sum =
      checksum_of(std::string(bytes.substr(0, header_size)) + std::string(bits_bytes));
  if (std::string_view(reinterpret_cast<const char*>(sum.data()), sum.size()) != digest)
    return untrusted("checksum mismatch (torn or corrupted)");
  wire_reader bits(bits_bytes);
  for (size_t w = 0; w < words; ++w) {
    uint64_t word = bits.u64();
    for (unsigned i = 0; i < 64; ++i)
      if (word >> i & 1) {
        uint64_t region = w * 64 + i;
        if (region >= b.regions()) return untrusted("bits set past the end of the volume");
        b.mark_region(region);
      }
  }
  if (b.count() != stored_count) return untrusted("the dirty count does not match the bits");
  return bitmap_load{std::move(b), {}};
}

}  // namespace hamesh::replica
