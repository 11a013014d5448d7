// Session affinity's pure pieces: the opaque server token, finding it among a request's
// cookies, the client-address mapping and the Set-Cookie line.
#include "actors/proxy/http/http_affinity.hpp"

#include <boost/test/unit_test.hpp>

using namespace hamesh::proxy::http;

BOOST_AUTO_TEST_SUITE(http_affinity_tests)

namespace {
const std::vector<http_server_address> servers = {{0x0a000201, 80}, {0x0a000202, 80}};
}

BOOST_AUTO_TEST_CASE(each_server_has_a_stable_opaque_token) {
  auto a = affinity_token(servers[0]);
  BOOST_TEST(a == affinity_token(servers[0]));
  BOOST_TEST(a != affinity_token(servers[1]));
  BOOST_TEST(a.size() == 9u);
  BOOST_TEST(a.find("10.0.2.1") == std::string::npos);  // no backend address to clients
}

BOOST_AUTO_TEST_CASE(the_cookie_is_found_among_others_and_in_any_cookie_field) {
  http_headers h;
  h.add("Host", "mail.example.net");
  h.add("cookie", "lang=en; SRV=" + affinity_token(servers[1]) + "; theme=dark");
  auto found = server_from_cookie(h, "SRV", servers);
  BOOST_TEST((found && *found == 1u));
  BOOST_TEST(!server_from_cookie(h, "OTHER", servers).has_value());
  http_headers forged;
  forged.add("Cookie", "SRV=h00000000");
  BOOST_TEST(!server_from_cookie(forged, "SRV", servers).has_value());  // unknown: no pin
  http_headers prefix;
  prefix.add("Cookie", "XSRV=" + affinity_token(servers[0]));
  BOOST_TEST(!server_from_cookie(prefix, "SRV", servers).has_value());  // names match whole
}

BOOST_AUTO_TEST_CASE(a_client_address_always_maps_to_the_same_server_within_range) {
  for (uint32_t ip = 0x0a000000; ip < 0x0a000100; ++ip) {
    auto s = server_from_source(ip, 3);
    BOOST_TEST(s < 3u);
    BOOST_TEST(s == server_from_source(ip, 3));
  }
  BOOST_TEST(server_from_source(0x0a000001, 0) == 0u);
}

BOOST_AUTO_TEST_CASE(the_set_cookie_line_pins_to_the_whole_site) {
  BOOST_TEST(affinity_cookie_line("SRV", servers[0]) ==
             "Set-Cookie: SRV=" + affinity_token(servers[0]) + "; Path=/; HttpOnly\r\n");
}

BOOST_AUTO_TEST_SUITE_END()

#include "actors/proxy/http/http_access_log.hpp"

BOOST_AUTO_TEST_SUITE(http_access_log_tests)

BOOST_AUTO_TEST_CASE(common_format_escapes_what_could_forge_a_line) {
  http_access_record r;
  r.client = "192.0.2.7";
  r.method = "GET";
  r.target = "/a\"b\nc";
  r.status = 200;
  r.bytes = 1234;
  r.duration_us = 1500;
  r.at_ms = 0;
  r.pool = "static";
  r.server = "10.0.2.1:80";
  BOOST_TEST(format_access(r, http_access_format::common) ==
             "192.0.2.7 - - [01/Jan/1970:00:00:00 +0000] \"GET /a\\\"b\\x0ac HTTP/1.1\" 200 1234 "
             "pool=static server=10.0.2.1:80 ms=1.500");
  r.method = "-";
  r.bytes = 0;
  BOOST_TEST(format_access(r, http_access_format::common).find("\"-\" 200 - ") !=
             std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
