#include "actors/replica/replica_metadata.hpp"

#include "actors/replica/region_checksum.hpp"
#include "actors/replica/wire_bytes.hpp"

namespace hamesh::replica {

namespace {
constexpr uint32_t metadata_magic = 0x484d4d44;  // "HMMD"
constexpr uint16_t metadata_version = 1;
constexpr size_t body_size = 4 + 2 + 2 + 4 * 8 + 4 + 8;
}  // namespace

std::string replica_metadata::encode() const {
  std::string out;
  put_u32(out, metadata_magic);
  put_u16(out, metadata_version);
  put_u16(out, 0);
  put_u64(out, ids.current);
  put_u64(out, ids.bitmap);
  put_u64(out, ids.history[0]);
  put_u64(out, ids.history[1]);
  put_u32(out, ids.flag_bits());
  put_u64(out, promoted_at);
  region_checksum sum = checksum_of(out);
  out.append(reinterpret_cast<const char*>(sum.data()), sum.size());
  return out;
}

metadata_load decode_replica_metadata(std::string_view bytes) {
  auto bad = [](const char* why) { return metadata_load{std::nullopt, why}; };
  if (bytes.size() != body_size + 32) return bad("wrong length");
  region_checksum sum = checksum_of(bytes.substr(0, body_size));
  if (bytes.substr(body_size) !=
      std::string_view(reinterpret_cast<const char*>(sum.data()), sum.size()))
    return bad("checksum mismatch (torn or corrupted)");
  wire_reader r(bytes);
  if (r.u32() != metadata_magic) return bad("not hamesh replica metadata (bad magic)");
  if (r.u16() != metadata_version || r.u16() != 0) return bad("unknown metadata version");
  replica_metadata m;
  m.ids.current = r.u64();
  m.ids.bitmap = r.u64();
  m.ids.history[0] = r.u64();
  m.ids.history[1] = r.u64();
  if (!m.ids.set_flag_bits(r.u32())) return bad("unknown flag bits");
  m.promoted_at = r.u64();
  return metadata_load{m, {}};
}

}  // namespace hamesh::replica
