#pragma once
// Big-endian (network byte order) integers in and out of byte strings, for the frame codec
// and the on-disk encodings. A reader never reads past its end: it reports a short input and
// the caller turns that into its own error.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hamesh::replica {

inline void put_u8(std::string& out, uint8_t v) {
  out.push_back(char(v));
}
inline void put_u16(std::string& out, uint16_t v) {
  out.push_back(char(v >> 8));
  out.push_back(char(v));
}
inline void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(char(v >> shift));
}
inline void put_u64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(char(v >> shift));
}

// Reads fields front to back; after the first short read every later read fails too, so a
// decoder can read a whole record and check ok() once.
class wire_reader {
 public:
  explicit wire_reader(std::string_view bytes) : bytes_(bytes) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return ok_ ? bytes_.size() - at_ : 0; }

  uint8_t u8() { return uint8_t(take(1)); }
  uint16_t u16() { return uint16_t(take(2)); }
  uint32_t u32() { return uint32_t(take(4)); }
  uint64_t u64() { return take(8); }
  std::string_view bytes(size_t n) {
    if (!ok_ || bytes_.size() - at_ < n) {
      ok_ = false;
      return {};
    }
    std::string_view v = bytes_.substr(at_, n);
    at_ += n;
    return v;
  }
  std::string_view rest() { return bytes(remaining()); }

 private:
  uint64_t take(size_t n) {
    if (!ok_ || bytes_.size() - at_ < n) {
      ok_ = false;
      return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | uint8_t(bytes_[at_ + i]);
    at_ += n;
    return v;
  }

  std::string_view bytes_;
  size_t at_ = 0;
  bool ok_ = true;
};

}  // namespace hamesh::replica
