#include "runtime/net/address_control.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hamesh::net {
namespace {

address_result fail(const std::string& what, int err) {
  return {false, what + ": " + std::strerror(err)};
}

// One RTM_NEWADDR/RTM_DELADDR request and its acknowledgement.
address_result change_address(int type, int flags, int ifindex, uint32_t address, uint8_t prefix) {
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return fail("netlink socket", errno);
  struct {
    nlmsghdr header;
    ifaddrmsg body;
    char attrs[64];
  } req{};
  req.header.nlmsg_len = NLMSG_LENGTH(sizeof(ifaddrmsg));
  req.header.nlmsg_type = static_cast<uint16_t>(type);
  req.header.nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
  req.header.nlmsg_seq = 1;
  req.body.ifa_family = AF_INET;
  req.body.ifa_prefixlen = prefix;
  req.body.ifa_scope = RT_SCOPE_UNIVERSE;
  req.body.ifa_index = static_cast<unsigned>(ifindex);
  uint32_t be = htonl(address);
  for (unsigned short attr : {IFA_LOCAL, IFA_ADDRESS}) {
    auto* rta = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(&req) +
                                          NLMSG_ALIGN(req.header.nlmsg_len));
    rta->rta_type = attr;
    rta->rta_len = RTA_LENGTH(sizeof be);
    std::memcpy(RTA_DATA(rta), &be, sizeof be);
    req.header.nlmsg_len = NLMSG_ALIGN(req.header.nlmsg_len) + RTA_ALIGN(rta->rta_len);
  }
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd, &req, req.header.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) < 0) {
    int err = errno;
    ::close(fd);
    return fail("netlink send", err);
  }
  char buf[4096];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  int err = n < 0 ? errno : 0;
  ::close(fd);
  if (n < 0) return fail("netlink receive", err);
  auto* reply = reinterpret_cast<nlmsghdr*>(buf);
  if (!NLMSG_OK(reply, static_cast<unsigned>(n)) || reply->nlmsg_type != NLMSG_ERROR)
    return {false, "netlink: unexpected reply"};
  int code = -reinterpret_cast<nlmsgerr*>(NLMSG_DATA(reply))->error;
  // Idempotent: an address already there (add) or already gone (remove) is what was wanted.
  if (code == 0 || (type == RTM_NEWADDR && code == EEXIST) ||
      (type == RTM_DELADDR && code == EADDRNOTAVAIL))
    return {true, ""};
  return fail(type == RTM_NEWADDR ? "add address" : "remove address", code);
}

}  // namespace

address_result add_ipv4_address(int ifindex, uint32_t address, uint8_t prefix_length) {
  return change_address(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, address, prefix_length);
}

address_result remove_ipv4_address(int ifindex, uint32_t address, uint8_t prefix_length) {
  return change_address(RTM_DELADDR, 0, ifindex, address, prefix_length);
}

bool has_ipv4_address(const std::string& ifname, uint32_t address) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return false;
  bool found = false;
  for (auto* a = list; a && !found; a = a->ifa_next)
    found = a->ifa_addr && a->ifa_addr->sa_family == AF_INET && ifname == a->ifa_name &&
            ntohl(reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr) == address;
  ::freeifaddrs(list);
  return found;
}

address_result send_gratuitous_arp(int ifindex, const std::array<uint8_t, 6>& mac,
                                   uint32_t address) {
  int fd = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
  if (fd < 0) return fail("packet socket", errno);
  uint8_t arp[28] = {0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01};  // Ethernet, IPv4, request
  std::memcpy(arp + 8, mac.data(), 6);
  uint32_t be = htonl(address);
  std::memcpy(arp + 14, &be, 4);  // sender protocol address
  std::memset(arp + 18, 0, 6);    // target hardware address: unknown
  std::memcpy(arp + 24, &be, 4);  // target protocol address: the same
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_ARP);
  to.sll_ifindex = ifindex;
  to.sll_halen = 6;
  std::memset(to.sll_addr, 0xff, 6);
  ssize_t n = ::sendto(fd, arp, sizeof arp, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  int err = errno;
  ::close(fd);
  if (n < 0) return fail("gratuitous ARP", err);
  return {true, ""};
}

}  // namespace hamesh::net
