// The heartbeat wire format: what survives a round trip, and every reason a datagram is
// dropped. Hand-built envelopes use msgpack-cxx directly, the way a buggy or hostile sender
// would.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <boost/test/unit_test.hpp>
#include <msgpack.hpp>

#include "actors/heartbeat/heartbeat_codec.hpp"

using namespace hamesh::heartbeat;

namespace {

const std::string key = "0123456789abcdef-pair-key";

heartbeat_message sample() {
  heartbeat_message m;
  m.node = "storage-a";
  m.pair = "mailstore1";
  m.generation = 1717000000123456ULL;
  m.sequence = 42;
  m.role = heartbeat_role::primary;
  m.resources_held = true;
  m.degraded = false;
  m.link = "eth1";
  m.peer_generation = 1716999999000000ULL;
  return m;
}

std::vector<uint8_t> bytes_of(const msgpack::sbuffer& b) {
  const auto* p = reinterpret_cast<const uint8_t*>(b.data());
  return std::vector<uint8_t>(p, p + b.size());
}

std::string tag_for(const msgpack::sbuffer& body, const std::string& k) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), k.data(), static_cast<int>(k.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), out, &n);
  return std::string(reinterpret_cast<const char*>(out), n);
}

// An envelope [version, body, tag] around a body the test writes itself, correctly signed.
std::vector<uint8_t> signed_envelope(const msgpack::sbuffer& body, uint64_t version = 1) {
  std::string tag = tag_for(body, key);
  msgpack::sbuffer out;
  msgpack::packer<msgpack::sbuffer> p(out);
  p.pack_array(3);
  p.pack_uint64(version);
  p.pack_bin(static_cast<uint32_t>(body.size()));
  p.pack_bin_body(body.data(), static_cast<uint32_t>(body.size()));
  p.pack_bin(static_cast<uint32_t>(tag.size()));
  p.pack_bin_body(tag.data(), static_cast<uint32_t>(tag.size()));
  return bytes_of(out);
}

// A msgpack string pointing at a literal (msgpack-cxx takes const char*, not char arrays).
msgpack::object str(const char* s) {
  return msgpack::object(s);
}

void text(msgpack::packer<msgpack::sbuffer>& p, const std::string& s) {
  p.pack_str(static_cast<uint32_t>(s.size()));
  p.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

// A body with the required fields, optionally one field replaced or one extra pair added.
msgpack::sbuffer body_with(const std::string& replaced_key, const msgpack::object* replaced,
                           bool add_unknown = false, bool duplicate_seq = false) {
  struct field {
    std::string k;
    msgpack::object v;
  };
  std::vector<field> fields = {
      {"v", msgpack::object(uint64_t{1})},   {"node", str("storage-b")},
      {"pair", str("mailstore1")},           {"gen", msgpack::object(uint64_t{7})},
      {"seq", msgpack::object(uint64_t{9})}, {"role", msgpack::object(uint64_t{2})},
  };
  for (field& f : fields)
    if (f.k == replaced_key && replaced) f.v = *replaced;
  if (add_unknown) fields.push_back({"future", msgpack::object(uint64_t{5})});
  if (duplicate_seq) fields.push_back({"seq", msgpack::object(uint64_t{10})});
  msgpack::sbuffer b;
  msgpack::packer<msgpack::sbuffer> p(b);
  size_t count = 0;
  for (const field& f : fields)
    if (!(f.k == replaced_key && !replaced)) ++count;
  p.pack_map(static_cast<uint32_t>(count));
  for (const field& f : fields) {
    if (f.k == replaced_key && !replaced) continue;  // removed
    text(p, f.k);
    p.pack(f.v);
  }
  return b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(heartbeat_codec_suite)

BOOST_AUTO_TEST_CASE(a_message_survives_encode_and_decode) {
  heartbeat_codec codec(key);
  std::vector<heartbeat_message> cases = {sample()};
  heartbeat_message minimal;
  minimal.node = "a";
  minimal.pair = "p";
  cases.push_back(minimal);
  heartbeat_message extreme = sample();
  extreme.generation = UINT64_MAX;
  extreme.sequence = UINT64_MAX;
  extreme.peer_generation = UINT64_MAX;
  extreme.node = std::string(heartbeat_message::max_name, 'n');
  extreme.role = heartbeat_role::releasing;
  extreme.degraded = true;
  extreme.can_serve = true;
  extreme.link = "";
  cases.push_back(extreme);
  for (const heartbeat_message& m : cases) {
    encoded_heartbeat e = codec.encode(m);
    BOOST_REQUIRE(e.error == heartbeat_errc::none);
    BOOST_TEST(e.bytes.size() <= heartbeat_codec::max_datagram);
    decoded_heartbeat d = codec.decode(e.bytes);
    BOOST_TEST_REQUIRE(to_string(d.error) == "none");
    BOOST_TEST((*d.message == m));
  }
}

BOOST_AUTO_TEST_CASE(encode_refuses_messages_decode_would_reject) {
  heartbeat_codec codec(key);
  std::vector<heartbeat_message> cases(5, sample());
  cases[0].node = "";
  cases[1].pair = "two words";
  cases[2].link = std::string(heartbeat_message::max_name + 1, 'x');
  cases[3].node = "caf\xc3\xa9";
  cases[4].role = static_cast<heartbeat_role>(9);
  for (const heartbeat_message& m : cases) {
    encoded_heartbeat e = codec.encode(m);
    BOOST_TEST(to_string(e.error) == "invalid_message");
    BOOST_TEST(e.bytes.empty());
  }
}

BOOST_AUTO_TEST_CASE(bad_hmac_key_never_trusted) {
  heartbeat_codec ours(key);
  heartbeat_codec theirs("another-pair-key-0123456789");
  encoded_heartbeat e = theirs.encode(sample());
  decoded_heartbeat d = ours.decode(e.bytes);
  BOOST_TEST(!d.message);
  BOOST_TEST(to_string(d.error) == "bad_signature");
  // A key that differs in its last byte only is as foreign as any other.
  std::string close = key;
  close.back() ^= 1;
  BOOST_TEST(to_string(ours.decode(heartbeat_codec(close).encode(sample()).bytes).error) ==
             "bad_signature");
}

BOOST_AUTO_TEST_CASE(any_flipped_bit_breaks_the_signature_or_the_envelope) {
  heartbeat_codec codec(key);
  std::vector<uint8_t> good = codec.encode(sample()).bytes;
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> bad = good;
      bad[i] ^= static_cast<uint8_t>(1u << bit);
      decoded_heartbeat d = codec.decode(bad);
      BOOST_TEST_CONTEXT("byte " << i << " bit " << bit) {
        BOOST_TEST(!d.message);
        BOOST_TEST((d.error != heartbeat_errc::none));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(unsigned_messages_are_told_apart_from_bad_ones) {
  heartbeat_codec codec(key);
  msgpack::sbuffer body = body_with("", nullptr);
  struct row {
    const char* name;
    int tag_form;  // 0 missing, 1 nil, 2 empty bin, 3 short bin, 4 a string
    const char* expected;
  };
  for (row r : {row{"no tag", 0, "unsigned"}, row{"nil tag", 1, "unsigned"},
                row{"empty tag", 2, "unsigned"}, row{"short tag", 3, "bad_signature"},
                row{"tag of the wrong type", 4, "malformed"}}) {
    msgpack::sbuffer out;
    msgpack::packer<msgpack::sbuffer> p(out);
    p.pack_array(r.tag_form == 0 ? 2 : 3);
    p.pack_uint64(1);
    p.pack_bin(static_cast<uint32_t>(body.size()));
    p.pack_bin_body(body.data(), static_cast<uint32_t>(body.size()));
    if (r.tag_form == 1) p.pack_nil();
    if (r.tag_form == 2) p.pack_bin(0);
    if (r.tag_form == 3) {
      std::string tag = tag_for(body, key).substr(0, 16);
      p.pack_bin(16);
      p.pack_bin_body(tag.data(), 16);
    }
    if (r.tag_form == 4) text(p, tag_for(body, key));
    BOOST_TEST_CONTEXT(r.name) {
      BOOST_TEST(to_string(codec.decode(bytes_of(out)).error) == std::string(r.expected));
    }
  }
}

BOOST_AUTO_TEST_CASE(envelope_problems_are_malformed_or_version_mismatch) {
  heartbeat_codec codec(key);
  std::vector<uint8_t> good = codec.encode(sample()).bytes;
  std::vector<uint8_t> trailing = good;
  trailing.push_back(0xc0);
  std::vector<uint8_t> truncated(good.begin(), good.end() - 1);
  msgpack::sbuffer body = body_with("", nullptr);
  struct row {
    const char* name;
    std::vector<uint8_t> bytes;
    const char* expected;
  };
  std::vector<row> rows = {
      {"empty", {}, "malformed"},
      {"not msgpack", {0xc1}, "malformed"},
      {"a bare integer", {0x01}, "malformed"},
      {"an empty array", {0x90}, "malformed"},
      {"trailing bytes after the envelope", trailing, "malformed"},
      {"truncated", truncated, "malformed"},
      {"an array announcing 2^32-1 elements", {0xdd, 0xff, 0xff, 0xff, 0xff}, "malformed"},
      {"version 2", signed_envelope(body, 2), "version_mismatch"},
      {"version 0", signed_envelope(body, 0), "version_mismatch"},
      {"too large", std::vector<uint8_t>(heartbeat_codec::max_datagram + 1, 0x90), "oversized"},
  };
  for (const row& r : rows) BOOST_TEST_CONTEXT(r.name) {
      BOOST_TEST(to_string(codec.decode(r.bytes).error) == std::string(r.expected));
    }
}

BOOST_AUTO_TEST_CASE(a_signed_body_with_bad_fields_is_malformed) {
  heartbeat_codec codec(key);
  msgpack::object text_value = str("x");
  msgpack::object negative(int64_t{-1});
  msgpack::object role_too_big(uint64_t{4});
  msgpack::object empty_name = str("");
  msgpack::object version_2(uint64_t{2});
  struct row {
    const char* name;
    msgpack::sbuffer body;
  };
  std::vector<row> rows;
  rows.push_back({"missing seq", body_with("seq", nullptr)});
  rows.push_back({"missing node", body_with("node", nullptr)});
  rows.push_back({"missing role", body_with("role", nullptr)});
  rows.push_back({"seq as text", body_with("seq", &text_value)});
  rows.push_back({"negative generation", body_with("gen", &negative)});
  rows.push_back({"role out of range", body_with("role", &role_too_big)});
  rows.push_back({"empty node name", body_with("node", &empty_name)});
  rows.push_back({"body version differs from the envelope", body_with("v", &version_2)});
  rows.push_back({"seq twice", body_with("", nullptr, false, true)});
  msgpack::sbuffer not_a_map;
  msgpack::packer<msgpack::sbuffer>(not_a_map).pack_array(0);
  rows.push_back({"an array body", std::move(not_a_map)});
  for (const row& r : rows) BOOST_TEST_CONTEXT(r.name) {
      BOOST_TEST(to_string(codec.decode(signed_envelope(r.body)).error) == "malformed");
    }
}

BOOST_AUTO_TEST_CASE(unknown_body_keys_are_skipped_and_optional_ones_default) {
  heartbeat_codec codec(key);
  decoded_heartbeat d = codec.decode(signed_envelope(body_with("", nullptr, true)));
  BOOST_TEST_REQUIRE(to_string(d.error) == "none");
  BOOST_TEST(d.message->node == "storage-b");
  BOOST_TEST(d.message->sequence == 9u);
  BOOST_TEST((d.message->role == heartbeat_role::secondary));
  BOOST_TEST(!d.message->resources_held);
  BOOST_TEST(d.message->link == "");
  BOOST_TEST(d.message->peer_generation == 0u);
  BOOST_TEST(!d.message->can_serve);  // a sender that does not say is not handed anything
}

BOOST_AUTO_TEST_CASE(short_keys_are_refused_by_check_key) {
  BOOST_TEST((heartbeat_codec::check_key("") == heartbeat_errc::invalid_settings));
  BOOST_TEST(
      (heartbeat_codec::check_key(std::string(15, 'k')) == heartbeat_errc::invalid_settings));
  BOOST_TEST((heartbeat_codec::check_key(std::string(16, 'k')) == heartbeat_errc::none));
}

BOOST_AUTO_TEST_SUITE_END()
