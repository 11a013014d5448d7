#include "actors/ipvs/ipvs_netlink.hpp"

#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <netinet/in.h>

#include <cstring>

namespace hamesh::ipvs::netlink {
namespace {

constexpr size_t align4(size_t n) {
  return (n + 3) & ~size_t(3);
}

// Appends attributes; nested ones are opened and closed around their children.
class message {
 public:
  message(uint16_t type, uint16_t flags, uint32_t seq, uint8_t cmd) {
    buf_.resize(NLMSG_HDRLEN + GENL_HDRLEN);
    auto* nl = reinterpret_cast<nlmsghdr*>(buf_.data());
    nl->nlmsg_type = type;
    nl->nlmsg_flags = flags;
    nl->nlmsg_seq = seq;
    auto* genl = reinterpret_cast<genlmsghdr*>(buf_.data() + NLMSG_HDRLEN);
    genl->cmd = cmd;
    genl->version = type == GENL_ID_CTRL ? 1 : IPVS_GENL_VERSION;
  }
  void put(uint16_t type, const void* data, size_t size) {
    size_t at = buf_.size();
    buf_.resize(at + align4(NLA_HDRLEN + size));
    nlattr a{uint16_t(NLA_HDRLEN + size), type};
    std::memcpy(buf_.data() + at, &a, sizeof a);
    std::memcpy(buf_.data() + at + NLA_HDRLEN, data, size);
  }
  void u16(uint16_t type, uint16_t v) { put(type, &v, sizeof v); }
  void u32(uint16_t type, uint32_t v) { put(type, &v, sizeof v); }
  void text(uint16_t type, const std::string& s) { put(type, s.c_str(), s.size() + 1); }
  size_t open(uint16_t type) {
    size_t at = buf_.size();
    buf_.resize(at + NLA_HDRLEN);
    nlattr a{0, uint16_t(type | NLA_F_NESTED)};
    std::memcpy(buf_.data() + at, &a, sizeof a);
    return at;
  }
  void close(size_t at) {
    uint16_t len = uint16_t(buf_.size() - at);
    std::memcpy(buf_.data() + at, &len, sizeof len);
  }
  bytes done() {
    auto* nl = reinterpret_cast<nlmsghdr*>(buf_.data());
    nl->nlmsg_len = uint32_t(buf_.size());
    return std::move(buf_);
  }

 private:
  bytes buf_;
};

// The attributes that name a service (IPVS finds it by protocol, address and port).
void service_key(message& m, const service_settings& s) {
  m.u16(IPVS_SVC_ATTR_AF, AF_INET);
  m.u16(IPVS_SVC_ATTR_PROTOCOL, s.protocol == transport::tcp ? IPPROTO_TCP : IPPROTO_UDP);
  uint8_t addr[16] = {};  // union nf_inet_addr: IPv4 in the first 4 bytes, network order
  uint32_t be = htonl(s.address);
  std::memcpy(addr, &be, 4);
  m.put(IPVS_SVC_ATTR_ADDR, addr, sizeof addr);
  uint16_t port = htons(s.port);  // __be16 on the wire
  m.put(IPVS_SVC_ATTR_PORT, &port, sizeof port);
}

// Attributes inside `at`..`end` as (type, payload, length).
template <class Fn>
void for_each_attr(const uint8_t* at, const uint8_t* end, Fn fn) {
  while (at + NLA_HDRLEN <= end) {
    nlattr a;
    std::memcpy(&a, at, sizeof a);
    if (a.nla_len < NLA_HDRLEN || at + a.nla_len > end) return;
    fn(uint16_t(a.nla_type & NLA_TYPE_MASK), at + NLA_HDRLEN, size_t(a.nla_len - NLA_HDRLEN));
    at += align4(a.nla_len);
  }
}

uint32_t read_u32(const uint8_t* p, size_t n) {
  uint32_t v = 0;
  if (n >= 4) std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

bytes family_request(uint32_t seq) {
  message m(GENL_ID_CTRL, NLM_F_REQUEST, seq, CTRL_CMD_GETFAMILY);
  m.text(CTRL_ATTR_FAMILY_NAME, IPVS_GENL_NAME);
  return m.done();
}

std::optional<uint16_t> parse_family(const uint8_t* data, size_t size, std::string* error) {
  if (size < NLMSG_HDRLEN) return std::nullopt;
  nlmsghdr nl;
  std::memcpy(&nl, data, sizeof nl);
  if (nl.nlmsg_len > size) return std::nullopt;
  if (nl.nlmsg_type == NLMSG_ERROR && nl.nlmsg_len >= NLMSG_HDRLEN + sizeof(nlmsgerr)) {
    nlmsgerr e;
    std::memcpy(&e, data + NLMSG_HDRLEN, sizeof e);
    if (error) *error = std::strerror(-e.error);
    return std::nullopt;
  }
  std::optional<uint16_t> id;
  for_each_attr(data + NLMSG_HDRLEN + GENL_HDRLEN, data + nl.nlmsg_len,
                [&](uint16_t type, const uint8_t* p, size_t n) {
                  if (type == CTRL_ATTR_FAMILY_ID && n >= 2) {
                    uint16_t v;
                    std::memcpy(&v, p, 2);
                    id = v;
                  }
                });
  return id;
}

bytes service_request(uint16_t family, uint32_t seq, const service_settings& s, bool add) {
  message m(family, NLM_F_REQUEST | NLM_F_ACK, seq,
            add ? IPVS_CMD_NEW_SERVICE : IPVS_CMD_DEL_SERVICE);
  auto svc = m.open(IPVS_CMD_ATTR_SERVICE);
  service_key(m, s);
  if (add) {
    m.text(IPVS_SVC_ATTR_SCHED_NAME, to_string(s.scheduler));
    bool persistent = s.persistence.count() > 0;
    ip_vs_flags flags{persistent ? IP_VS_SVC_F_PERSISTENT : 0u, ~0u};
    m.put(IPVS_SVC_ATTR_FLAGS, &flags, sizeof flags);
    m.u32(IPVS_SVC_ATTR_TIMEOUT,
          uint32_t(std::chrono::duration_cast<std::chrono::seconds>(s.persistence).count()));
    m.u32(IPVS_SVC_ATTR_NETMASK, 0xffffffffu);
  }
  m.close(svc);
  return m.done();
}

bytes dest_request(uint16_t family, uint32_t seq, const service_settings& s,
                   const pool_member& member, dest_command command) {
  uint8_t cmd = command == dest_command::add      ? IPVS_CMD_NEW_DEST
                : command == dest_command::change ? IPVS_CMD_SET_DEST
                                                  : IPVS_CMD_DEL_DEST;
  message m(family, NLM_F_REQUEST | NLM_F_ACK, seq, cmd);
  auto svc = m.open(IPVS_CMD_ATTR_SERVICE);
  service_key(m, s);
  m.close(svc);
  auto dest = m.open(IPVS_CMD_ATTR_DEST);
  uint8_t addr[16] = {};
  uint32_t be = htonl(member.address);
  std::memcpy(addr, &be, 4);
  m.put(IPVS_DEST_ATTR_ADDR, addr, sizeof addr);
  uint16_t port = htons(member.port);
  m.put(IPVS_DEST_ATTR_PORT, &port, sizeof port);
  if (command != dest_command::remove) {
    m.u32(IPVS_DEST_ATTR_FWD_METHOD, IP_VS_CONN_F_MASQ);  // NAT, as the nftables plane
    m.u32(IPVS_DEST_ATTR_WEIGHT, member.entry.weight);
    m.u32(IPVS_DEST_ATTR_U_THRESH, 0);
    m.u32(IPVS_DEST_ATTR_L_THRESH, 0);
  }
  m.u16(IPVS_DEST_ATTR_ADDR_FAMILY, AF_INET);
  m.close(dest);
  return m.done();
}

bytes dest_dump_request(uint16_t family, uint32_t seq, const service_settings& s) {
  message m(family, NLM_F_REQUEST | NLM_F_DUMP, seq, IPVS_CMD_GET_DEST);
  auto svc = m.open(IPVS_CMD_ATTR_SERVICE);
  service_key(m, s);
  m.close(svc);
  return m.done();
}

std::vector<reply> parse_replies(const uint8_t* data, size_t size) {
  std::vector<reply> out;
  size_t at = 0;
  while (at + NLMSG_HDRLEN <= size) {
    nlmsghdr nl;
    std::memcpy(&nl, data + at, sizeof nl);
    if (nl.nlmsg_len < NLMSG_HDRLEN || at + nl.nlmsg_len > size) break;
    reply r;
    if (nl.nlmsg_type == NLMSG_ERROR && nl.nlmsg_len >= NLMSG_HDRLEN + sizeof(nlmsgerr)) {
      nlmsgerr e;
      std::memcpy(&e, data + at + NLMSG_HDRLEN, sizeof e);
      r.what = e.error == 0 ? reply::kind::ack : reply::kind::error;
      r.error = e.error;
    } else if (nl.nlmsg_type == NLMSG_DONE) {
      r.what = reply::kind::done;
    } else if (nl.nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN) {
      for_each_attr(data + at + NLMSG_HDRLEN + GENL_HDRLEN, data + at + nl.nlmsg_len,
                    [&](uint16_t type, const uint8_t* p, size_t n) {
                      if (type != IPVS_CMD_ATTR_DEST) return;
                      r.what = reply::kind::dest;
                      for_each_attr(p, p + n, [&](uint16_t t, const uint8_t* q, size_t m) {
                        if (t == IPVS_DEST_ATTR_ADDR) r.address = ntohl(read_u32(q, m));
                        if (t == IPVS_DEST_ATTR_PORT && m >= 2) {
                          uint16_t v;
                          std::memcpy(&v, q, 2);
                          r.port = ntohs(v);
                        }
                        if (t == IPVS_DEST_ATTR_ACTIVE_CONNS) r.active = read_u32(q, m);
                        if (t == IPVS_DEST_ATTR_INACT_CONNS) r.inactive = read_u32(q, m);
                      });
                    });
    }
    out.push_back(r);
    at += align4(nl.nlmsg_len);
  }
  return out;
}

}  // namespace hamesh::ipvs::netlink
