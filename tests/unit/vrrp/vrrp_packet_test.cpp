// VRRP on the wire: v3 round trips with the pseudo-header checksum, v2 from keepalived's
// default, and a reason for every packet that must be dropped (RFC 5798 §7.1).
#include "actors/vrrp/vrrp_packet.hpp"

#include <boost/test/unit_test.hpp>

using namespace hamesh;
using namespace hamesh::vrrp;

namespace {

const uint32_t src = 0x0a000001;  // 10.0.0.1
const uint32_t dst = multicast_group;

// An IPv4 header as the kernel delivers it on a raw socket, around `payload`.
std::vector<uint8_t> ip_packet(const std::vector<uint8_t>& payload, uint8_t ttl = 255,
                               uint8_t protocol = ip_protocol, uint32_t s = src, uint32_t d = dst) {
  std::vector<uint8_t> p;
  p.reserve(20 + payload.size());  // (also keeps GCC 12's -Warray-bounds from a false alarm)
  p.assign(20, 0);
  p[0] = 0x45;
  size_t total = 20 + payload.size();
  p[2] = uint8_t(total >> 8);
  p[3] = uint8_t(total);
  p[8] = ttl;
  p[9] = protocol;
  for (int i = 0; i < 4; ++i) {
    p[12 + i] = uint8_t(s >> (24 - 8 * i));
    p[16 + i] = uint8_t(d >> (24 - 8 * i));
  }
  p.insert(p.end(), payload.begin(), payload.end());
  return p;
}

advert sample() {
  advert a;
  a.vrid = 51;
  a.priority = 150;
  a.max_adver_int_cs = 100;
  a.addresses = {0x0a0000fe, 0x0a0000fd};
  a.source = src;
  a.destination = dst;
  return a;
}

decode_result decode(const std::vector<uint8_t>& p) {
  return decode_ipv4(p.data(), p.size());
}

// A v2 advert as keepalived sends it by default: no authentication, interval in seconds,
// checksum over the VRRP message only.
std::vector<uint8_t> v2_payload(uint8_t vrid, uint8_t prio, uint8_t seconds, uint8_t auth = 0) {
  std::vector<uint8_t> v{0x21, vrid, prio, 1, auth, seconds, 0, 0, 10, 0,
                         0,    254,  0,    0, 0,    0,       0, 0, 0,  0};
  uint16_t sum = internet_checksum(v.data(), v.size());
  v[6] = uint8_t(sum >> 8);
  v[7] = uint8_t(sum);
  return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vrrp_packet_tests)

BOOST_AUTO_TEST_CASE(a_v3_advert_round_trips) {
  auto a = sample();
  auto r = decode(ip_packet(encode_v3(a)));
  BOOST_REQUIRE(r.value.has_value());
  BOOST_TEST(r.value->version == 3);
  BOOST_TEST(r.value->vrid == 51);
  BOOST_TEST(r.value->priority == 150);
  BOOST_TEST(r.value->max_adver_int_cs == 100);
  BOOST_TEST(r.value->addresses == a.addresses);
  BOOST_TEST(r.value->source == src);
}

BOOST_AUTO_TEST_CASE(the_v3_layout_is_rfc_5798_section_5_1) {
  auto a = sample();
  a.max_adver_int_cs = 0x0abc;  // 12 bits: the top 4 bits of byte 4 stay reserved (zero)
  auto v = encode_v3(a);
  BOOST_REQUIRE(v.size() == 16u);
  BOOST_TEST(v[0] == 0x31);
  BOOST_TEST(v[1] == 51);
  BOOST_TEST(v[2] == 150);
  BOOST_TEST(v[3] == 2);
  BOOST_TEST(v[4] == 0x0a);
  BOOST_TEST(v[5] == 0xbc);
  BOOST_TEST(v[8] == 10);
  BOOST_TEST(v[11] == 0xfe);
  // Summing the message together with its pseudo-header gives zero: the checksum is right.
  uint32_t pseudo = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + ip_protocol + 16;
  BOOST_TEST(internet_checksum(v.data(), v.size(), pseudo) == 0);
}

BOOST_AUTO_TEST_CASE(the_v3_checksum_covers_the_pseudo_header) {
  auto v = encode_v3(sample());
  // Same bytes from another source address: the pseudo-header differs, the check fails.
  BOOST_TEST(
      (decode(ip_packet(v, 255, ip_protocol, 0x0a000002)).reason == reject_reason::bad_checksum));
}

BOOST_AUTO_TEST_CASE(internet_checksum_matches_rfc_1071_example) {
  // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 (before complement).
  const uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  BOOST_TEST(internet_checksum(data, sizeof data) == uint16_t(~0xddf2 & 0xffff));
}

BOOST_AUTO_TEST_CASE(a_v2_advert_from_keepalived_is_read_with_its_interval_in_centiseconds) {
  auto r = decode(ip_packet(v2_payload(51, 100, 1)));
  BOOST_REQUIRE(r.value.has_value());
  BOOST_TEST(r.value->version == 2);
  BOOST_TEST(r.value->max_adver_int_cs == 100);
  BOOST_TEST(r.value->addresses == (std::vector<uint32_t>{0x0a0000fe}));
}

struct reject_case {
  const char* what;
  std::vector<uint8_t> packet;
  reject_reason reason;
};

BOOST_AUTO_TEST_CASE(every_bad_packet_is_dropped_with_its_reason) {
  auto good = encode_v3(sample());
  auto with = [&](size_t i, uint8_t value) {
    auto v = good;
    v[i] = value;
    return v;
  };
  auto truncated_ip = ip_packet(good);
  truncated_ip.resize(30);
  auto not_v4 = ip_packet(good);
  not_v4[0] = 0x65;
  auto long_total = ip_packet(good);
  long_total[3] = 200;
  auto short_total = ip_packet(good);
  short_total[3] = 12;
  auto extra = good;
  extra.push_back(0);
  auto zero_interval = sample();
  zero_interval.max_adver_int_cs = 0;
  const reject_case cases[] = {
      {"shorter than an IP header", std::vector<uint8_t>(10, 0x45), reject_reason::truncated},
      {"cut inside the VRRP message", truncated_ip, reject_reason::truncated},
      {"not IPv4", not_v4, reject_reason::bad_ip_header},
      {"total length beyond the data", long_total, reject_reason::truncated},
      {"total length inside the IP header", short_total, reject_reason::bad_ip_header},
      {"another protocol", ip_packet(good, 255, 17), reject_reason::not_vrrp},
      {"TTL 254 (routed)", ip_packet(good, 254), reject_reason::ttl_not_255},
      {"version 4", ip_packet(with(0, 0x41)), reject_reason::bad_version},
      {"type 2", ip_packet(with(0, 0x32)), reject_reason::bad_type},
      {"count says 3 addresses", ip_packet(with(3, 3)), reject_reason::truncated},
      {"a byte too many", ip_packet(extra), reject_reason::bad_length},
      {"a flipped byte", ip_packet(with(2, 151)), reject_reason::bad_checksum},
      {"interval 0", ip_packet(encode_v3(zero_interval)), reject_reason::zero_interval},
      {"v2 with authentication", ip_packet(v2_payload(51, 100, 1, 1)), reject_reason::auth_present},
  };
  for (auto& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      auto r = decode(c.packet);
      BOOST_TEST(!r.value.has_value());
      BOOST_TEST(to_string(r.reason) == to_string(c.reason));
    }
  }
}

BOOST_AUTO_TEST_CASE(ipv4_text_round_trips_and_rejects_what_is_not_an_address) {
  BOOST_TEST(*parse_ipv4("10.0.0.254") == 0x0a0000feu);
  BOOST_TEST(format_ipv4(0xe0000012) == "224.0.0.18");
  for (const char* bad :
       {"", "10.0.0", "10.0.0.256", "10.0.0.1.2", "a.b.c.d", "10..0.1", "010.0.0.1", "1.2.3.4 "})
    BOOST_TEST(!parse_ipv4(bad).has_value(), bad);
}

BOOST_AUTO_TEST_SUITE_END()
