#include "actors/replica/replica_frame_codec.hpp"

#include <algorithm>

#include "actors/replica/wire_bytes.hpp"

namespace hamesh::replica {

namespace {

enum class frame_type : uint16_t {
  hello = 1,
  write,
  write_ack,
  flush,
  flush_ack,
  dirty_bitmap,
  resync_data,
  resync_checksum,
  resync_ack,
  resync_done,
  verify_request,
  verify_reply,
  ping,
  pong,
  role_change,
  goodbye,
};
constexpr uint16_t last_type = uint16_t(frame_type::goodbye);
constexpr uint16_t last_errc = uint16_t(replica_errc::operator_disconnect);
constexpr size_t max_name = 255;
constexpr size_t max_goodbye_text = 1024;

// ----- encoding -----

void put_ids(std::string& out, const generation_ids& ids) {
  put_u64(out, ids.current);
  put_u64(out, ids.bitmap);
  put_u64(out, ids.history[0]);
  put_u64(out, ids.history[1]);
  put_u32(out, ids.flag_bits());
}

void put_sum(std::string& out, const region_checksum& s) {
  out.append(reinterpret_cast<const char*>(s.data()), s.size());
}

void put_name(std::string& out, const std::string& s) {
  put_u8(out, uint8_t(std::min(s.size(), max_name)));
  out.append(s, 0, max_name);
}

struct payload_writer {
  std::string& out;
  void operator()(const hello_frame& f) {
    put_u32(out, f.version);
    put_name(out, f.node_name);
    put_name(out, f.volume_name);
    put_u64(out, f.volume_size);
    put_u32(out, f.block_size);
    put_u64(out, f.region_size);
    put_u8(out, uint8_t(f.role));
    put_ids(out, f.ids);
    put_u8(out, uint8_t((f.bitmap_trusted ? 1 : 0) | (f.discard_my_data ? 2 : 0)));
    put_u64(out, f.dirty_regions);
    put_u64(out, f.promoted_at);
  }
  void operator()(const write_frame& f) {
    put_u64(out, f.sequence);
    put_u64(out, f.offset);
    put_u8(out, f.flags);
    out += f.data;
  }
  void operator()(const write_ack_frame& f) {
    put_u64(out, f.sequence);
    put_u8(out, uint8_t(f.what));
    put_u16(out, uint16_t(f.status));
  }
  void operator()(const flush_frame& f) { put_u64(out, f.flush_id); }
  void operator()(const flush_ack_frame& f) {
    put_u64(out, f.flush_id);
    put_u16(out, uint16_t(f.status));
  }
  void operator()(const dirty_bitmap_frame& f) {
    put_u64(out, f.first_region);
    put_u64(out, f.region_count);
    put_u8(out, f.final ? 1 : 0);
    out += f.bits;
  }
  void operator()(const resync_data_frame& f) {
    put_u64(out, f.region);
    out += f.data;
  }
  void operator()(const resync_checksum_frame& f) {
    put_u64(out, f.region);
    put_sum(out, f.sum);
  }
  void operator()(const resync_ack_frame& f) {
    put_u64(out, f.region);
    put_u8(out, uint8_t(f.what));
    put_u16(out, uint16_t(f.status));
  }
  void operator()(const resync_done_frame& f) { put_ids(out, f.source_ids); }
  void operator()(const verify_request_frame& f) { put_u64(out, f.region); }
  void operator()(const verify_reply_frame& f) {
    put_u64(out, f.region);
    put_u16(out, uint16_t(f.status));
    put_sum(out, f.sum);
  }
  void operator()(const ping_frame& f) { put_u64(out, f.nonce); }
  void operator()(const pong_frame& f) { put_u64(out, f.nonce); }
  void operator()(const role_change_frame& f) {
    put_u8(out, uint8_t(f.role));
    put_u64(out, f.promoted_at);
  }
  void operator()(const goodbye_frame& f) {
    put_u16(out, uint16_t(f.reason));
    put_u16(out, uint16_t(std::min(f.text.size(), max_goodbye_text)));
    out.append(f.text, 0, max_goodbye_text);
  }
};

void put_header(std::string& out, uint16_t type, size_t length) {
  put_u32(out, frame_magic);
  put_u16(out, type);
  put_u16(out, 0);
  put_u32(out, uint32_t(length));
}

// ----- decoding -----

// Field checks share one reader and one verdict: the first failure wins.
struct payload_reader {
  wire_reader r;
  replica_errc error = replica_errc::none;

  void fail(replica_errc e) {
    if (error == replica_errc::none) error = e;
  }
  replica_errc errc_field() {
    uint16_t v = r.u16();
    if (v > last_errc) fail(replica_errc::bad_field_value);
    return replica_errc(v);
  }
  replica_role role_field() {
    uint8_t v = r.u8();
    if (v > 1) fail(replica_errc::bad_field_value);
    return replica_role(v);
  }
  std::string name_field() {
    size_t n = r.u8();
    std::string s(r.bytes(n));
    if (r.ok() && n == 0) fail(replica_errc::bad_field_value);
    for (char c : s)
      if (c <= 0x20 || c >= 0x7f) fail(replica_errc::bad_field_value);
    return s;
  }
  generation_ids ids_field() {
    generation_ids ids;
    ids.current = r.u64();
    ids.bitmap = r.u64();
    ids.history[0] = r.u64();
    ids.history[1] = r.u64();
    if (!ids.set_flag_bits(r.u32())) fail(replica_errc::bad_field_value);
    return ids;
  }
  region_checksum sum_field() {
    region_checksum s{};
    std::string_view b = r.bytes(s.size());
    for (size_t i = 0; i < b.size(); ++i) s[i] = uint8_t(b[i]);
    return s;
  }
  // A data field: the rest of the payload, 1..max bytes.
  std::string data_field(uint64_t max) {
    std::string d(r.rest());
    if (d.empty() || d.size() > max) fail(replica_errc::bad_field_value);
    return d;
  }
  // A short read is the first error unless a field check failed before it; trailing bytes
  // mean a length that lies.
  replica_errc verdict() {
    if (!r.ok()) fail(replica_errc::truncated_field);
    if (r.remaining() != 0) fail(replica_errc::bad_field_value);
    return error;
  }
};

replica_frame decode_payload(frame_type type, payload_reader& p) {
  wire_reader& r = p.r;
  switch (type) {
    case frame_type::hello: {
      hello_frame f;
      f.version = r.u32();
      if (r.ok() && f.version != protocol_version) {
        p.fail(replica_errc::version_mismatch);  // the rest may be laid out otherwise
        return f;
      }
      f.node_name = p.name_field();
      f.volume_name = p.name_field();
      f.volume_size = r.u64();
      f.block_size = r.u32();
      f.region_size = r.u64();
      f.role = p.role_field();
      f.ids = p.ids_field();
      uint8_t flags = r.u8();
      if (flags & ~3u) p.fail(replica_errc::bad_field_value);
      f.bitmap_trusted = flags & 1;
      f.discard_my_data = flags & 2;
      f.dirty_regions = r.u64();
      f.promoted_at = r.u64();
      return f;
    }
    case frame_type::write: {
      write_frame f;
      f.sequence = r.u64();
      f.offset = r.u64();
      f.flags = r.u8();
      if (f.flags & ~write_frame::known_flags) p.fail(replica_errc::bad_field_value);
      if (r.ok()) f.data = p.data_field(max_write_bytes);
      return f;
    }
    case frame_type::write_ack: {
      write_ack_frame f;
      f.sequence = r.u64();
      uint8_t kind = r.u8();
      if (r.ok() && kind != 1 && kind != 2) p.fail(replica_errc::bad_field_value);
      f.what = write_ack_frame::kind(kind);
      f.status = p.errc_field();
      return f;
    }
    case frame_type::flush:
      return flush_frame{r.u64()};
    case frame_type::flush_ack: {
      flush_ack_frame f;
      f.flush_id = r.u64();
      f.status = p.errc_field();
      return f;
    }
    case frame_type::dirty_bitmap: {
      dirty_bitmap_frame f;
      f.first_region = r.u64();
      f.region_count = r.u64();
      uint8_t final = r.u8();
      if (!r.ok()) return f;
      if (final > 1 || f.first_region % 8 != 0 || f.region_count > max_bitmap_frame_regions)
        p.fail(replica_errc::bad_field_value);
      f.final = final;
      f.bits = std::string(r.rest());
      if (f.bits.size() != (f.region_count + 7) / 8) {
        p.fail(replica_errc::bad_field_value);
      } else if (f.region_count % 8 != 0 && !f.bits.empty() &&
                 (uint8_t(f.bits.back()) >> (f.region_count % 8)) != 0) {
        p.fail(replica_errc::bad_field_value);  // bits past region_count: not canonical
      }
      return f;
    }
    case frame_type::resync_data: {
      resync_data_frame f;
      f.region = r.u64();
      if (r.ok()) f.data = p.data_field(max_write_bytes);
      return f;
    }
    case frame_type::resync_checksum: {
      resync_checksum_frame f;
      f.region = r.u64();
      f.sum = p.sum_field();
      return f;
    }
    case frame_type::resync_ack: {
      resync_ack_frame f;
      f.region = r.u64();
      uint8_t kind = r.u8();
      if (r.ok() && (kind < 1 || kind > 3)) p.fail(replica_errc::bad_field_value);
      f.what = resync_ack_frame::kind(kind);
      f.status = p.errc_field();
      return f;
    }
    case frame_type::resync_done:
      return resync_done_frame{p.ids_field()};
    case frame_type::verify_request:
      return verify_request_frame{r.u64()};
    case frame_type::verify_reply: {
      verify_reply_frame f;
      f.region = r.u64();
      f.status = p.errc_field();
      f.sum = p.sum_field();
      return f;
    }
    case frame_type::ping:
      return ping_frame{r.u64()};
    case frame_type::pong:
      return pong_frame{r.u64()};
    case frame_type::role_change: {
      role_change_frame f;
      f.role = p.role_field();
      f.promoted_at = r.u64();
      return f;
    }
    case frame_type::goodbye: {
      goodbye_frame f;
      f.reason = p.errc_field();
      size_t n = r.u16();
      if (n > max_goodbye_text) p.fail(replica_errc::bad_field_value);
      f.text = std::string(r.bytes(n));
      for (char c : f.text)
        if (c < 0x20 || c >= 0x7f) p.fail(replica_errc::bad_field_value);
      return f;
    }
  }
  return ping_frame{};
}

}  // namespace

const char* frame_name(const replica_frame& f) {
  static const char* const names[] = {
      "hello",      "write",        "write_ack",      "flush",
      "flush_ack",  "dirty_bitmap", "resync_data",    "resync_checksum",
      "resync_ack", "resync_done",  "verify_request", "verify_reply",
      "ping",       "pong",         "role_change",    "goodbye"};
  return names[f.index()];
}

void encode_frame(const replica_frame& f, std::string& out) {
  size_t start = out.size();
  put_header(out, uint16_t(f.index() + 1), 0);
  std::visit(payload_writer{out}, f);
  size_t length = out.size() - start - frame_header_size;
  std::string len;
  put_u32(len, uint32_t(length));
  out.replace(start + 8, 4, len);
}

std::string encode_frame(const replica_frame& f) {
  std::string out;
  encode_frame(f, out);
  return out;
}

void append_write_frame_prefix(std::string& out, uint64_t sequence, uint64_t offset, uint8_t flags,
                               size_t data_length) {
  put_header(out, uint16_t(frame_type::write), 17 + data_length);
  put_u64(out, sequence);
  put_u64(out, offset);
  put_u8(out, flags);
}

frame_decode decode_frame(std::string_view bytes) {
  frame_decode d;
  auto error = [&](replica_errc e) {
    d.result = frame_decode::status::error;
    d.error = e;
    return d;
  };
  // Check each header field as soon as its bytes are in, so garbage is refused early.
  wire_reader h(bytes);
  if (bytes.size() >= 4 && h.u32() != frame_magic) return error(replica_errc::bad_magic);
  if (bytes.size() < 6) return d;
  uint16_t type = h.u16();
  if (type == 0 || type > last_type) return error(replica_errc::unknown_frame_type);
  if (bytes.size() < 8) return d;
  if (h.u16() != 0) return error(replica_errc::bad_field_value);
  if (bytes.size() < frame_header_size) return d;
  uint32_t length = h.u32();
  if (length > max_frame_payload) return error(replica_errc::frame_too_large);
  if (bytes.size() - frame_header_size < length) return d;
  payload_reader p{wire_reader(bytes.substr(frame_header_size, length))};
  d.frame = decode_payload(frame_type(type), p);
  if (replica_errc e = p.verdict(); e != replica_errc::none) return error(e);
  d.result = frame_decode::status::frame;
  d.consumed = frame_header_size + length;
  return d;
}

}  // namespace hamesh::replica
