#include "actors/heartbeat/heartbeat_codec.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>
#include <msgpack.hpp>
#include <string_view>

namespace hamesh::heartbeat {

namespace {

// The body's keys: short, fixed, and a map so that a later 1.x can add a key that this
// decoder skips (unknown keys are ignored; missing required ones are malformed).
constexpr std::string_view key_version = "v";
constexpr std::string_view key_node = "node";
constexpr std::string_view key_pair = "pair";
constexpr std::string_view key_generation = "gen";
constexpr std::string_view key_sequence = "seq";
constexpr std::string_view key_role = "role";
constexpr std::string_view key_held = "held";
constexpr std::string_view key_degraded = "degraded";
constexpr std::string_view key_can_serve = "can_serve";
constexpr std::string_view key_link = "link";
constexpr std::string_view key_peer_generation = "peer_gen";
constexpr uint32_t body_fields = 11;

// Limits the parser checks before it allocates: a hostile header announcing 2^32 elements
// is refused, not allocated (msgpack-cxx's unpack_limit).
constexpr std::size_t max_body_entries = 32;

void pack_text(msgpack::packer<msgpack::sbuffer>& p, std::string_view text) {
  p.pack_str(static_cast<uint32_t>(text.size()));
  p.pack_str_body(text.data(), static_cast<uint32_t>(text.size()));
}

bool as_text(const msgpack::object& o, std::string& out) {
  if (o.type != msgpack::type::STR) return false;
  out.assign(o.via.str.ptr, o.via.str.size);
  return true;
}

bool as_u64(const msgpack::object& o, uint64_t& out) {
  if (o.type != msgpack::type::POSITIVE_INTEGER) return false;
  out = o.via.u64;
  return true;
}

bool as_bool(const msgpack::object& o, bool& out) {
  if (o.type != msgpack::type::BOOLEAN) return false;
  out = o.via.boolean;
  return true;
}

// One msgpack object that fills [data, data + size) exactly, or nothing.
std::optional<msgpack::object_handle> unpack_exactly(const char* data, size_t size,
                                                     const msgpack::unpack_limit& limit) {
  try {
    std::size_t offset = 0;
    msgpack::object_handle handle = msgpack::unpack(data, size, offset, nullptr, nullptr, limit);
    if (offset != size) return std::nullopt;  // trailing bytes: not what the sender signed
    return handle;
  } catch (...) {
    // msgpack-cxx reports bad input (and its limits) with exceptions; none may escape.
    return std::nullopt;
  }
}

decoded_heartbeat failure(heartbeat_errc e) {
  return decoded_heartbeat{std::nullopt, e};
}

decoded_heartbeat parse_body(const char* data, size_t size) {
  // depth 1: a flat map of scalars. Strings no longer than a name; no arrays, bins or exts.
  msgpack::unpack_limit limit(0, max_body_entries, heartbeat_message::max_name, 0, 0, 1);
  std::optional<msgpack::object_handle> handle = unpack_exactly(data, size, limit);
  if (!handle) return failure(heartbeat_errc::malformed);
  const msgpack::object& root = handle->get();
  if (root.type != msgpack::type::MAP) return failure(heartbeat_errc::malformed);

  heartbeat_message m;
  std::optional<uint64_t> version, role;
  bool have_node = false, have_pair = false, have_generation = false, have_sequence = false;
  bool have_held = false, have_degraded = false, have_link = false, have_peer_generation = false;
  bool have_can_serve = false;
  // A key given twice is malformed: the two copies could disagree.
  auto once = [](bool& seen) {
    if (seen) return false;
    seen = true;
    return true;
  };
  for (uint32_t i = 0; i < root.via.map.size; ++i) {
    const msgpack::object& k = root.via.map.ptr[i].key;
    const msgpack::object& v = root.via.map.ptr[i].val;
    if (k.type != msgpack::type::STR) return failure(heartbeat_errc::malformed);
    std::string_view name(k.via.str.ptr, k.via.str.size);
    bool ok = true;
    if (name == key_version) {
      uint64_t n = 0;
      ok = !version && as_u64(v, n);
      version = n;
    } else if (name == key_node) {
      ok = once(have_node) && as_text(v, m.node);
    } else if (name == key_pair) {
      ok = once(have_pair) && as_text(v, m.pair);
    } else if (name == key_generation) {
      ok = once(have_generation) && as_u64(v, m.generation);
    } else if (name == key_sequence) {
      ok = once(have_sequence) && as_u64(v, m.sequence);
    } else if (name == key_role) {
      uint64_t n = 0;
      ok = !role && as_u64(v, n) && n <= static_cast<uint8_t>(heartbeat_role::releasing);
      role = n;
    } else if (name == key_held) {
      ok = once(have_held) && as_bool(v, m.resources_held);
    } else if (name == key_degraded) {
      ok = once(have_degraded) && as_bool(v, m.degraded);
    } else if (name == key_can_serve) {
      ok = once(have_can_serve) && as_bool(v, m.can_serve);
    } else if (name == key_link) {
      ok = once(have_link) && as_text(v, m.link);
    } else if (name == key_peer_generation) {
      ok = once(have_peer_generation) && as_u64(v, m.peer_generation);
    }
    if (!ok) return failure(heartbeat_errc::malformed);
  }
  if (!version || !role || !have_node || !have_pair || !have_generation || !have_sequence)
    return failure(heartbeat_errc::malformed);
  // The envelope said version 1 (the caller checked); a signed body that says otherwise was
  // built wrong.
  if (*version != heartbeat_codec::version) return failure(heartbeat_errc::malformed);
  m.role = static_cast<heartbeat_role>(*role);
  if (check(m) != heartbeat_errc::none) return failure(heartbeat_errc::malformed);
  return decoded_heartbeat{std::move(m), heartbeat_errc::none};
}

}  // namespace

heartbeat_codec::heartbeat_codec(std::string key) : key_(std::move(key)) {}

heartbeat_codec::~heartbeat_codec() {
  if (!key_.empty()) OPENSSL_cleanse(key_.data(), key_.size());
}

heartbeat_errc heartbeat_codec::check_key(const std::string& key) {
  return key.size() < min_key_size ? heartbeat_errc::invalid_settings : heartbeat_errc::none;
}

std::vector<uint8_t> heartbeat_codec::tag_of(const char* body, size_t size) const {
  std::vector<uint8_t> tag(EVP_MAX_MD_SIZE);
  unsigned int length = 0;
  // HMAC() is OpenSSL 3's one-shot HMAC (not deprecated, unlike HMAC_CTX); an empty key is
  // passed as a non-null pointer so OpenSSL does not take it for "reuse the last key".
  static const unsigned char no_key = 0;
  const void* key = key_.empty() ? static_cast<const void*>(&no_key) : key_.data();
  if (!HMAC(EVP_sha256(), key, static_cast<int>(key_.size()),
            reinterpret_cast<const unsigned char*>(body), size, tag.data(), &length))
    return {};
  tag.resize(length);
  return tag;
}

encoded_heartbeat heartbeat_codec::encode(const heartbeat_message& m) const {
  if (check(m) != heartbeat_errc::none) return {{}, heartbeat_errc::invalid_message};
  msgpack::sbuffer body;
  msgpack::packer<msgpack::sbuffer> p(body);
  p.pack_map(body_fields);
  pack_text(p, key_version);
  p.pack_uint64(version);
  pack_text(p, key_node);
  pack_text(p, m.node);
  pack_text(p, key_pair);
  pack_text(p, m.pair);
  pack_text(p, key_generation);
  p.pack_uint64(m.generation);
  pack_text(p, key_sequence);
  p.pack_uint64(m.sequence);
  pack_text(p, key_role);
  p.pack_uint8(static_cast<uint8_t>(m.role));
  pack_text(p, key_held);
  m.resources_held ? p.pack_true() : p.pack_false();
  pack_text(p, key_degraded);
  m.degraded ? p.pack_true() : p.pack_false();
  pack_text(p, key_can_serve);
  m.can_serve ? p.pack_true() : p.pack_false();
  pack_text(p, key_link);
  pack_text(p, m.link);
  pack_text(p, key_peer_generation);
  p.pack_uint64(m.peer_generation);

  std::vector<uint8_t> tag = tag_of(body.data(), body.size());
  if (tag.size() != tag_size) return {{}, heartbeat_errc::bad_signature};  // OpenSSL failed

  msgpack::sbuffer envelope;
  msgpack::packer<msgpack::sbuffer> e(envelope);
  e.pack_array(3);
  e.pack_uint64(version);
  e.pack_bin(static_cast<uint32_t>(body.size()));
  e.pack_bin_body(body.data(), static_cast<uint32_t>(body.size()));
  e.pack_bin(static_cast<uint32_t>(tag.size()));
  e.pack_bin_body(reinterpret_cast<const char*>(tag.data()), static_cast<uint32_t>(tag.size()));
  const auto* begin = reinterpret_cast<const uint8_t*>(envelope.data());
  return {std::vector<uint8_t>(begin, begin + envelope.size()), heartbeat_errc::none};
}

decoded_heartbeat heartbeat_codec::decode(const uint8_t* data, size_t size) const {
  if (size > max_datagram) return failure(heartbeat_errc::oversized);
  if (size == 0 || data == nullptr) return failure(heartbeat_errc::malformed);
  // The envelope: an array of at most 3, two bins at most a datagram long, depth 1.
  msgpack::unpack_limit limit(3, 0, 0, max_datagram, 0, 1);
  std::optional<msgpack::object_handle> handle =
      unpack_exactly(reinterpret_cast<const char*>(data), size, limit);
  if (!handle) return failure(heartbeat_errc::malformed);
  const msgpack::object& root = handle->get();
  if (root.type != msgpack::type::ARRAY || root.via.array.size == 0)
    return failure(heartbeat_errc::malformed);
  const msgpack::object* items = root.via.array.ptr;
  uint64_t envelope_version = 0;
  if (!as_u64(items[0], envelope_version)) return failure(heartbeat_errc::malformed);
  // Another version may lay out the rest differently: say so before judging the layout.
  if (envelope_version != version) return failure(heartbeat_errc::version_mismatch);
  if (root.via.array.size < 2 || items[1].type != msgpack::type::BIN)
    return failure(heartbeat_errc::malformed);
  // A body without a tag, or with a nil or empty one, is unsigned: counted apart from bad
  // tags because it is a misconfigured sender more often than an attack.
  if (root.via.array.size == 2 || items[2].type == msgpack::type::NIL ||
      (items[2].type == msgpack::type::BIN && items[2].via.bin.size == 0))
    return failure(heartbeat_errc::unsigned_message);
  if (items[2].type != msgpack::type::BIN) return failure(heartbeat_errc::malformed);

  const char* body = items[1].via.bin.ptr;
  size_t body_size = items[1].via.bin.size;
  std::vector<uint8_t> expected = tag_of(body, body_size);
  // Constant-time comparison: a timing difference must not reveal how much of a forged tag
  // was right.
  if (expected.size() != tag_size || items[2].via.bin.size != tag_size ||
      CRYPTO_memcmp(expected.data(), items[2].via.bin.ptr, tag_size) != 0)
    return failure(heartbeat_errc::bad_signature);
  return parse_body(body, body_size);
}

}  // namespace hamesh::heartbeat
