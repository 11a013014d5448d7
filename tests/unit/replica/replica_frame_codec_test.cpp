// The wire codec: every frame type round-trips, every prefix of a frame asks for more, and
// each malformed input gets its own reason.
#include <boost/test/unit_test.hpp>

#include "tests/unit/replica/replica_printing.hpp"

#include "actors/replica/replica_frame_codec.hpp"
#include "actors/replica/wire_bytes.hpp"

using namespace hamesh::replica;
using status = frame_decode::status;

namespace {

hello_frame sample_hello() {
  hello_frame h;
  h.node_name = "storage-a";
  h.volume_name = "mail0";
  h.volume_size = 1ull << 34;
  h.block_size = 4096;
  h.region_size = 65536;
  h.role = replica_role::primary;
  h.ids.current = 0x1234;
  h.ids.bitmap = 0x99;
  h.ids.history = {7, 8};
  h.ids.primary = true;
  h.ids.consistent = true;
  h.bitmap_trusted = false;
  h.discard_my_data = true;
  h.dirty_regions = 42;
  h.promoted_at = 1700000000;
  return h;
}

std::vector<replica_frame> one_of_each() {
  region_checksum sum{};
  for (size_t i = 0; i < sum.size(); ++i) sum[i] = uint8_t(i * 7);
  generation_ids ids;
  ids.current = 5;
  ids.history = {3, 0};
  ids.consistent = true;
  return {
      sample_hello(),
      write_frame{9, 4096, write_frame::fua | write_frame::ack_received, std::string(4096, 'w')},
      write_ack_frame{9, write_ack_frame::kind::received, replica_errc::none},
      write_ack_frame{10, write_ack_frame::kind::durable, replica_errc::disk_write_failed},
      flush_frame{3},
      flush_ack_frame{3, replica_errc::disk_flush_failed},
      dirty_bitmap_frame{16, 12, true, std::string("\xff\x0f", 2)},
      resync_data_frame{7, std::string(65536, 'r')},
      resync_checksum_frame{7, sum},
      resync_ack_frame{7, resync_ack_frame::kind::need_data, replica_errc::none},
      resync_done_frame{ids},
      verify_request_frame{11},
      verify_reply_frame{11, replica_errc::none, sum},
      ping_frame{0xdeadbeef},
      pong_frame{0xdeadbeef},
      role_change_frame{replica_role::primary, 77},
      goodbye_frame{replica_errc::split_brain, "split brain: policy disconnect"},
  };
}

frame_decode decode(const std::string& bytes) {
  return decode_frame(bytes);
}

std::string header(uint16_t type, uint32_t length, uint16_t reserved = 0) {
  std::string h;
  put_u32(h, frame_magic);
  put_u16(h, type);
  put_u16(h, reserved);
  put_u32(h, length);
  return h;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(replica_frame_codec)

BOOST_AUTO_TEST_CASE(every_frame_type_round_trips) {
  std::string stream;
  for (const replica_frame& f : one_of_each()) {
    std::string bytes = encode_frame(f);
    frame_decode d = decode(bytes);
    BOOST_TEST_CONTEXT(frame_name(f)) {
      BOOST_REQUIRE(d.result == status::frame);
      BOOST_TEST(d.consumed == bytes.size());
      BOOST_TEST(d.frame.index() == f.index());
      BOOST_TEST(encode_frame(d.frame) == bytes);
    }
    stream += bytes;
  }
  // Back to back in one buffer, each decode takes exactly one frame.
  std::string_view rest = stream;
  size_t frames = 0;
  while (!rest.empty()) {
    frame_decode d = decode_frame(rest);
    BOOST_REQUIRE(d.result == status::frame);
    rest.remove_prefix(d.consumed);
    ++frames;
  }
  BOOST_TEST(frames == one_of_each().size());
}

BOOST_AUTO_TEST_CASE(the_hello_keeps_every_field) {
  frame_decode d = decode(encode_frame(sample_hello()));
  BOOST_REQUIRE(d.result == status::frame);
  const auto& h = std::get<hello_frame>(d.frame);
  hello_frame e = sample_hello();
  BOOST_TEST(h.node_name == e.node_name);
  BOOST_TEST(h.volume_name == e.volume_name);
  BOOST_TEST(h.volume_size == e.volume_size);
  BOOST_TEST(h.block_size == e.block_size);
  BOOST_TEST(h.region_size == e.region_size);
  BOOST_TEST(int(h.role) == int(e.role));
  BOOST_TEST((h.ids == e.ids));
  BOOST_TEST(h.bitmap_trusted == e.bitmap_trusted);
  BOOST_TEST(h.discard_my_data == e.discard_my_data);
  BOOST_TEST(h.dirty_regions == e.dirty_regions);
  BOOST_TEST(h.promoted_at == e.promoted_at);
}

BOOST_AUTO_TEST_CASE(every_strict_prefix_of_a_frame_needs_more) {
  for (const replica_frame& f : one_of_each()) {
    std::string bytes = encode_frame(f);
    for (size_t n = 0; n < bytes.size(); n += (n < 64 ? 1 : 997))
      BOOST_TEST((decode(bytes.substr(0, n)).result == status::need_more), frame_name(f) << n);
  }
}

BOOST_AUTO_TEST_CASE(a_write_prefix_and_the_clients_buffer_make_a_write_frame) {
  std::string data(1000, 'x');
  std::string bytes;
  append_write_frame_prefix(bytes, 5, 8192, write_frame::fua, data.size());
  bytes += data;
  BOOST_TEST(bytes == encode_frame(write_frame{5, 8192, write_frame::fua, data}));
}

BOOST_AUTO_TEST_CASE(malformed_input_gets_its_reason) {
  std::string ping = encode_frame(ping_frame{1});
  std::string bad_magic = ping;
  bad_magic[0] = 'X';
  std::string hello = encode_frame(sample_hello());
  std::string old_version = hello;
  old_version[frame_header_size + 3] = 2;
  std::string bad_role = encode_frame(role_change_frame{replica_role::primary, 1});
  bad_role[frame_header_size] = 2;
  std::string bad_flags = encode_frame(write_frame{1, 0, 0, "x"});
  bad_flags[frame_header_size + 16] = 8;
  std::string bad_errc = encode_frame(flush_ack_frame{1, replica_errc::none});
  bad_errc[frame_header_size + 8] = char(0xff);
  std::string bad_name = hello;
  bad_name[frame_header_size + 5] = ' ';
  struct bad_case {
    const char* name;
    std::string bytes;
    replica_errc expected;
  };
  const bad_case cases[] = {
      {"bad magic", bad_magic.substr(0, 4), replica_errc::bad_magic},
      {"type 0", header(0, 8).substr(0, 6), replica_errc::unknown_frame_type},
      {"type 99", header(99, 8), replica_errc::unknown_frame_type},
      {"reserved bits", header(13, 8, 1).substr(0, 8), replica_errc::bad_field_value},
      {"too large", header(2, max_frame_payload + 1), replica_errc::frame_too_large},
      {"short ping", header(13, 4) + "abcd", replica_errc::truncated_field},
      {"long ping", header(13, 9) + std::string(9, 'a'), replica_errc::bad_field_value},
      {"empty write", header(2, 17) + std::string(17, '\0'), replica_errc::bad_field_value},
      {"hello of another version", old_version, replica_errc::version_mismatch},
      {"a role of 2", bad_role, replica_errc::bad_field_value},
      {"unknown write flags", bad_flags, replica_errc::bad_field_value},
      {"an errc out of range", bad_errc, replica_errc::bad_field_value},
      {"a name with a space", bad_name, replica_errc::bad_field_value},
      {"bitmap bits past the count",
       encode_frame(dirty_bitmap_frame{0, 4, true, std::string(1, '\0')}).substr(0, 29) + "\x10",
       replica_errc::bad_field_value},
      {"bitmap bytes that do not match the count",
       encode_frame(dirty_bitmap_frame{0, 4, true, std::string(1, '\0')}) + "", replica_errc::none},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      frame_decode d = decode(c.bytes);
      if (c.expected == replica_errc::none) {
        BOOST_TEST((d.result == status::frame));
        continue;
      }
      BOOST_REQUIRE(d.result == status::error);
      BOOST_TEST(to_string(d.error) == to_string(c.expected));
      // More bytes never turn an error into something else.
      frame_decode more = decode(c.bytes + std::string(100, '\0'));
      BOOST_TEST((more.result == status::error));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
