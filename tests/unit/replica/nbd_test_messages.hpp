#pragma once
// NBD messages as a client sends them and as the server should answer (proto.md), built
// field by field for the session, engine and fuzz tests; and a small in-memory store that
// answers block requests the way a device would.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/replica/block_completion.hpp"
#include "actors/replica/block_request.hpp"
#include "actors/replica/nbd_protocol.hpp"

namespace nbd_test {

namespace nbd = hamesh::replica::nbd;

inline std::string greeting() {
  return std::string("NBDMAGICIHAVEOPT\x00\x03", 18);
}

inline std::string client_flags(uint32_t flags) {
  std::string s;
  nbd::put_u32(s, flags);
  return s;
}

inline std::string option(uint32_t code, std::string_view data,
                          uint64_t magic = nbd::option_magic) {
  std::string s;
  nbd::put_u64(s, magic);
  nbd::put_u32(s, code);
  nbd::put_u32(s, uint32_t(data.size()));
  s += data;
  return s;
}

// NBD_OPT_INFO / NBD_OPT_GO data.
inline std::string go_data(std::string_view name, const std::vector<uint16_t>& infos = {}) {
  std::string s;
  nbd::put_u32(s, uint32_t(name.size()));
  s += name;
  nbd::put_u16(s, uint16_t(infos.size()));
  for (uint16_t i : infos) nbd::put_u16(s, i);
  return s;
}

inline std::string option_reply(uint32_t code, uint32_t type, std::string_view data = {}) {
  std::string s;
  nbd::put_u64(s, nbd::option_reply_magic);
  nbd::put_u32(s, code);
  nbd::put_u32(s, type);
  nbd::put_u32(s, uint32_t(data.size()));
  s += data;
  return s;
}

inline std::string info_export(uint64_t size, uint16_t flags) {
  std::string s;
  nbd::put_u16(s, nbd::info_export);
  nbd::put_u64(s, size);
  nbd::put_u16(s, flags);
  return s;
}

inline std::string info_block_size(uint32_t max_payload = 32u << 20) {
  std::string s;
  nbd::put_u16(s, nbd::info_block_size);
  nbd::put_u32(s, 1);
  nbd::put_u32(s, 4096);
  nbd::put_u32(s, max_payload);
  return s;
}

inline std::string request(uint16_t flags, uint16_t type, uint64_t handle, uint64_t offset,
                           uint32_t length, std::string_view payload = {},
                           uint32_t magic = nbd::request_magic) {
  std::string s;
  nbd::put_u32(s, magic);
  nbd::put_u16(s, flags);
  nbd::put_u16(s, type);
  nbd::put_u64(s, handle);
  nbd::put_u64(s, offset);
  nbd::put_u32(s, length);
  s += payload;
  return s;
}

inline std::string reply(uint32_t error, uint64_t handle, std::string_view data = {}) {
  std::string s;
  nbd::put_u32(s, nbd::simple_reply_magic);
  nbd::put_u32(s, error);
  nbd::put_u64(s, handle);
  s += data;
  return s;
}

// Readable bytes for a failed comparison: printable as is, the rest as \xNN.
inline std::string escaped(std::string_view s) {
  static const char* digits = "0123456789abcdef";
  std::string r;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      r += char(c);
    } else {
      r += "\\x";
      r += digits[c >> 4];
      r += digits[c & 15];
    }
  }
  return r;
}

// A device's behaviour on bytes in memory: reads see earlier writes; trim and write-zeroes
// zero the range. Ranges are assumed valid (the session checks them).
struct memory_store {
  std::string bytes;
  explicit memory_store(size_t size) : bytes(size, '\0') {}
  hamesh::replica::block_completion run(const hamesh::replica::block_request& r) {
    using hamesh::replica::block_op;
    hamesh::replica::block_completion done;
    done.id = r.id;
    switch (r.op) {
      case block_op::read:
        done.data = bytes.substr(size_t(r.offset), r.length);
        break;
      case block_op::write:
        bytes.replace(size_t(r.offset), r.data.size(), r.data);
        break;
      case block_op::trim:
      case block_op::write_zeroes:
        bytes.replace(size_t(r.offset), r.length, std::string(r.length, '\0'));
        break;
      case block_op::flush:
        break;
    }
    return done;
  }
};

}  // namespace nbd_test
