// The pool a service hands its data plane (health, drain, inhibit_on_failure, quorum and the
// sorry server), the per-connection pick with persistence, and the two kernel data planes'
// wire forms: the nftables ruleset and kernel IPVS's netlink messages.
#include "actors/ipvs/service_table.hpp"

#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <map>

#include "actors/ipvs/ipvs_netlink.hpp"
#include "actors/ipvs/member_picker.hpp"
#include "actors/ipvs/nft_ruleset.hpp"

using namespace hamesh::ipvs;
using hamesh::probe::health;
using namespace std::chrono_literals;

namespace {

service_settings two_reals(uint32_t quorum = 1, bool sorry = false, bool inhibit = false) {
  service_settings s;
  s.name = "web";
  s.address = 0x0a000064;  // 10.0.0.100
  s.port = 80;
  s.scheduler = scheduler_kind::rr;
  s.quorum = quorum;
  s.inhibit_on_failure = inhibit;
  s.reals = {{"a", 0x0a000101, 8080, 2}, {"b", 0x0a000102, 8080, 1}};
  if (sorry) s.sorry_server = real_settings{"sorry", 0x7f000001, 2599, 1};
  return s;
}

const std::chrono::steady_clock::time_point t0{std::chrono::hours(1)};

}  // namespace

BOOST_AUTO_TEST_SUITE(service_table_tests)

BOOST_AUTO_TEST_CASE(a_failed_server_leaves_the_pool_and_returns) {
  service_table t(two_reals());
  BOOST_TEST(t.view().members[0].entry.available);  // unknown counts as up
  t.set_health(0, health::down);
  auto v = t.view();
  BOOST_TEST(!v.members[0].entry.available);
  BOOST_TEST(v.members[1].entry.available);
  BOOST_TEST(!v.members[2].entry.available);  // no sorry server configured
  t.set_health(0, health::up);
  BOOST_TEST(t.view().members[0].entry.available);
  BOOST_TEST(t.view().members[0].entry.weight == 2u);
}

BOOST_AUTO_TEST_CASE(inhibit_on_failure_keeps_a_failed_server_at_weight_zero) {
  service_table t(two_reals(1, false, true));
  t.set_health(0, health::down);
  auto v = t.view();
  BOOST_TEST(v.members[0].entry.available);
  BOOST_TEST(v.members[0].entry.weight == 0u);
}

BOOST_AUTO_TEST_CASE(drain_sets_weight_zero_and_stays_in_the_pool) {
  service_table t(two_reals());
  t.set_drained(1, true);
  BOOST_TEST(t.view().members[1].entry.available);
  BOOST_TEST(t.view().members[1].entry.weight == 0u);
  BOOST_TEST(t.alive_weight() == 2u);
  BOOST_REQUIRE(t.find("10.0.1.2:8080").has_value());
  BOOST_TEST(*t.find("b") == 1u);
  BOOST_TEST(!t.find("c").has_value());
}

BOOST_AUTO_TEST_CASE(below_quorum_the_sorry_server_replaces_the_rest) {
  service_table t(two_reals(3, true));
  BOOST_TEST(t.in_quorum());
  t.set_health(1, health::down);  // alive weight 2 < 3
  auto v = t.view();
  BOOST_TEST(!v.in_quorum);
  BOOST_TEST(v.sorry_active);
  BOOST_TEST(!v.members[0].entry.available);  // keepalived removes the live ones too
  BOOST_TEST(v.members[2].entry.available);
  t.set_health(1, health::up);
  BOOST_TEST(!t.view().sorry_active);
}

BOOST_AUTO_TEST_CASE(below_quorum_without_a_sorry_server_the_rest_go_on) {
  service_table t(two_reals(3));
  t.set_health(1, health::down);
  auto v = t.view();
  BOOST_TEST(!v.in_quorum);
  BOOST_TEST(v.members[0].entry.available);
}

BOOST_AUTO_TEST_CASE(persistence_keeps_a_client_on_a_drained_server_but_not_on_a_failed_one) {
  service_table t(two_reals());
  member_picker picker(scheduler_kind::rr, 60s);
  picker.set_pool(t.view());
  client_key alice{0x0a090001, 40000};
  auto first = picker.pick(alice, t0);
  BOOST_REQUIRE(first.has_value());
  for (int i = 0; i < 5; ++i) BOOST_TEST(*picker.pick(alice, t0 + 1s) == *first);
  t.set_drained(*first, true);
  picker.set_pool(t.view());
  BOOST_TEST(*picker.pick(alice, t0 + 2s) == *first);  // LVS: drained keeps its clients
  t.set_drained(*first, false);
  t.set_health(*first, health::down);
  picker.set_pool(t.view());
  auto moved = picker.pick(alice, t0 + 3s);
  BOOST_REQUIRE(moved.has_value());
  BOOST_TEST(*moved != *first);
  BOOST_TEST(picker.pick(alice, t0 + 3s + 61s).has_value());  // expired: scheduled afresh
}

BOOST_AUTO_TEST_CASE(lc_load_follows_connection_lifecycle) {
  service_table t(two_reals());
  member_picker picker(scheduler_kind::lc, 0s);
  picker.set_pool(t.view());
  picker.opened(0);
  picker.established(0);
  BOOST_TEST(picker.load()[0].active == 1u);
  BOOST_TEST(*picker.pick({1, 1}, t0) == 1u);  // the idle one
  picker.closing(0);
  BOOST_TEST(picker.load()[0].active == 0u);
  BOOST_TEST(picker.load()[0].inactive == 1u);
  picker.closed(0, false);
  BOOST_TEST(picker.load()[0].inactive == 0u);
}

BOOST_AUTO_TEST_CASE(nft_ruleset_maps_rr_wrr_and_sh) {
  auto s = two_reals();
  service_table t(s);
  auto rr = nft_ruleset("hamesh_web", s, t.view());
  BOOST_TEST(rr.find("delete table ip hamesh_web") != std::string::npos);
  BOOST_TEST(rr.find("ip daddr 10.0.0.100 tcp dport 80 counter dnat ip to numgen inc mod 2 map "
                     "{ 0 : 10.0.1.1 . 8080, 1 : 10.0.1.2 . 8080 }") != std::string::npos,
             rr);
  BOOST_TEST(rr.find("hook output") != std::string::npos);
  s.scheduler = scheduler_kind::wrr;
  auto wrr = nft_ruleset("hamesh_web", s, t.view());
  BOOST_TEST(wrr.find("numgen inc mod 3 map") != std::string::npos, wrr);  // weights 2:1
  s.scheduler = scheduler_kind::sh;
  auto sh = nft_ruleset("hamesh_web", s, t.view());
  BOOST_TEST(sh.find("jhash ip saddr mod 256 map") != std::string::npos);
  size_t a = 0, pos = 0;
  while ((pos = sh.find("10.0.1.1 . 8080", pos)) != std::string::npos) ++a, ++pos;
  BOOST_TEST(a == 2 * 171u);  // 2/3 of 256 buckets, by weight, in each of the two chains
  t.set_health(0, health::down);
  t.set_health(1, health::down);
  auto none = nft_ruleset("hamesh_web", s, t.view());
  BOOST_TEST(none.find("dnat") == std::string::npos);  // nothing to send to: no rule
  BOOST_TEST(nft_table_name("mail-imap.1") == "hamesh_mail_imap_1");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ipvs_netlink_tests)

namespace {

// Top-level attributes of a generic netlink message, and the nested ones of `parent`.
std::map<uint16_t, std::string> attrs(const uint8_t* p, size_t n) {
  std::map<uint16_t, std::string> out;
  while (n >= NLA_HDRLEN) {
    nlattr a;
    std::memcpy(&a, p, sizeof a);
    BOOST_REQUIRE(a.nla_len >= NLA_HDRLEN && a.nla_len <= n);
    out[a.nla_type & NLA_TYPE_MASK] =
        std::string(reinterpret_cast<const char*>(p + NLA_HDRLEN), a.nla_len - NLA_HDRLEN);
    size_t step = NLA_ALIGN(a.nla_len);
    if (step >= n) break;
    p += step;
    n -= step;
  }
  return out;
}

std::map<uint16_t, std::string> top(const netlink::bytes& m) {
  return attrs(m.data() + NLMSG_HDRLEN + GENL_HDRLEN, m.size() - NLMSG_HDRLEN - GENL_HDRLEN);
}

std::map<uint16_t, std::string> nested(const std::string& payload) {
  return attrs(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
}

uint32_t u32(const std::string& s) {
  uint32_t v;
  std::memcpy(&v, s.data(), 4);
  return v;
}

}  // namespace

BOOST_AUTO_TEST_CASE(new_service_carries_the_service_as_ipvsadm_sends_it) {
  auto s = two_reals();
  s.scheduler = scheduler_kind::wlc;
  s.persistence = 300s;
  auto m = netlink::service_request(42, 7, s, true);
  nlmsghdr nl;
  std::memcpy(&nl, m.data(), sizeof nl);
  BOOST_TEST(nl.nlmsg_len == m.size());
  BOOST_TEST(nl.nlmsg_type == 42);
  BOOST_TEST(nl.nlmsg_seq == 7u);
  BOOST_TEST((nl.nlmsg_flags & (NLM_F_REQUEST | NLM_F_ACK)) == (NLM_F_REQUEST | NLM_F_ACK));
  BOOST_TEST(m[NLMSG_HDRLEN] == IPVS_CMD_NEW_SERVICE);
  auto svc = nested(top(m).at(IPVS_CMD_ATTR_SERVICE));
  BOOST_TEST(svc.at(IPVS_SVC_ATTR_AF) == std::string("\x02\x00", 2));
  BOOST_TEST(svc.at(IPVS_SVC_ATTR_PROTOCOL) == std::string("\x06\x00", 2));
  BOOST_TEST(svc.at(IPVS_SVC_ATTR_ADDR).substr(0, 4) == std::string("\x0a\x00\x00\x64", 4));
  BOOST_TEST(svc.at(IPVS_SVC_ATTR_PORT) == std::string("\x00\x50", 2));  // big-endian 80
  BOOST_TEST(svc.at(IPVS_SVC_ATTR_SCHED_NAME) == std::string("wlc\0", 4));
  BOOST_TEST(u32(svc.at(IPVS_SVC_ATTR_TIMEOUT)) == 300u);
  BOOST_TEST((u32(svc.at(IPVS_SVC_ATTR_FLAGS)) & IP_VS_SVC_F_PERSISTENT) != 0u);
}

BOOST_AUTO_TEST_CASE(dest_requests_name_the_service_and_the_real_server) {
  auto s = two_reals();
  pool_member member{0x0a000101, 8080, {5, true}};
  auto add = netlink::dest_request(42, 8, s, member, netlink::dest_command::add);
  BOOST_TEST(add[NLMSG_HDRLEN] == IPVS_CMD_NEW_DEST);
  auto dest = nested(top(add).at(IPVS_CMD_ATTR_DEST));
  BOOST_TEST(dest.at(IPVS_DEST_ATTR_ADDR).substr(0, 4) == std::string("\x0a\x00\x01\x01", 4));
  BOOST_TEST(dest.at(IPVS_DEST_ATTR_PORT) == std::string("\x1f\x90", 2));  // 8080
  BOOST_TEST(u32(dest.at(IPVS_DEST_ATTR_WEIGHT)) == 5u);
  BOOST_TEST(u32(dest.at(IPVS_DEST_ATTR_FWD_METHOD)) == uint32_t(IP_VS_CONN_F_MASQ));
  BOOST_TEST(top(add).count(IPVS_CMD_ATTR_SERVICE) == 1u);
  auto del = netlink::dest_request(42, 9, s, member, netlink::dest_command::remove);
  BOOST_TEST(del[NLMSG_HDRLEN] == IPVS_CMD_DEL_DEST);
  BOOST_TEST(nested(top(del).at(IPVS_CMD_ATTR_DEST)).count(IPVS_DEST_ATTR_WEIGHT) == 0u);
}

BOOST_AUTO_TEST_CASE(replies_are_read_as_acks_errors_and_destinations) {
  // An ack, an error (-EEXIST), then NLMSG_DONE, as one recv() buffer.
  std::vector<uint8_t> buf;
  auto error_msg = [&](int code) {
    std::vector<uint8_t> m(NLMSG_HDRLEN + sizeof(nlmsgerr));
    nlmsghdr nl{uint32_t(m.size()), NLMSG_ERROR, 0, 1, 0};
    nlmsgerr e{};
    e.error = code;
    std::memcpy(m.data(), &nl, sizeof nl);
    std::memcpy(m.data() + NLMSG_HDRLEN, &e, sizeof e);
    buf.insert(buf.end(), m.begin(), m.end());
  };
  error_msg(0);
  error_msg(-EEXIST);
  nlmsghdr done{NLMSG_HDRLEN, NLMSG_DONE, 0, 1, 0};
  auto* p = reinterpret_cast<uint8_t*>(&done);
  buf.insert(buf.end(), p, p + NLMSG_HDRLEN);
  auto r = netlink::parse_replies(buf.data(), buf.size());
  BOOST_REQUIRE(r.size() == 3u);
  BOOST_TEST(int(r[0].what) == int(netlink::reply::kind::ack));
  BOOST_TEST(int(r[1].what) == int(netlink::reply::kind::error));
  BOOST_TEST(r[1].error == -EEXIST);
  BOOST_TEST(int(r[2].what) == int(netlink::reply::kind::done));
  // A truncated buffer yields what is whole, never reads past the end.
  BOOST_TEST(netlink::parse_replies(buf.data(), 10).empty());
}

BOOST_AUTO_TEST_SUITE_END()
