#include "actors/heartbeat/heartbeat_links.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/ipv4_text.hpp"
#include "runtime/net/socket_reader.hpp"

namespace hamesh::heartbeat {
namespace {

sockaddr_in address_of(uint32_t address, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(address);
  a.sin_port = htons(port);
  return a;
}

std::string open_one(const heartbeat_link_config& l, int& fd) {
  auto fail = [&](const std::string& what) {
    std::string why = "link " + l.name + ": " + what + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    fd = -1;
    return why;
  };
  fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return fail("socket");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // Heartbeats are control traffic: ahead of bulk data (the replication stream) in qdiscs.
  int prio = 6;
  ::setsockopt(fd, SOL_SOCKET, SO_PRIORITY, &prio, sizeof prio);
  if (!l.multicast()) {
    auto a = address_of(l.listen_address, l.listen_port);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0)
      return fail("bind " + format_ipv4(l.listen_address) + ":" + std::to_string(l.listen_port));
    return "";
  }
  unsigned index = ::if_nametoindex(l.interface.c_str());
  if (index == 0) return fail("interface " + l.interface);
  // Bound to the group, so the socket gets the group's datagrams and nothing else.
  auto a = address_of(l.group, l.listen_port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0)
    return fail("bind " + format_ipv4(l.group) + ":" + std::to_string(l.listen_port));
  ip_mreqn group{};
  group.imr_multiaddr.s_addr = htonl(l.group);
  group.imr_address.s_addr = htonl(l.listen_address);
  group.imr_ifindex = static_cast<int>(index);
  if (::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &group, sizeof group) < 0)
    return fail("IP_MULTICAST_IF");
  if (::setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &group, sizeof group) < 0)
    return fail("joining " + format_ipv4(l.group));
  int off = 0;  // our own copies would only be counted as own_message
  ::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &off, sizeof off);
  if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, l.interface.c_str(),
                   static_cast<socklen_t>(l.interface.size())) < 0)
    return fail("SO_BINDTODEVICE " + l.interface);
  return "";
}

}  // namespace

heartbeat_links::~heartbeat_links() {
  close();
}

std::string heartbeat_links::open(const std::vector<heartbeat_link_config>& links,
                                  receiver on_datagram) {
  close();
  for (auto& l : links) {
    socket_entry e;
    if (l.over_mesh) {  // the actor sends those itself; the entry keeps the indexes aligned
      sockets_.push_back(std::move(e));
      continue;
    }
    if (auto why = open_one(l, e.fd); !why.empty()) {
      close();
      return why;
    }
    e.to_address = l.multicast() ? l.group : l.peer_address;
    e.to_port = l.peer_port;
    sockets_.push_back(std::move(e));
  }
  for (size_t i = 0; i < sockets_.size(); ++i)
    if (sockets_[i].fd >= 0)
      sockets_[i].reader = std::make_unique<net::socket_reader>(
          sockets_[i].fd,
          [i, on_datagram](std::vector<uint8_t> datagram) { on_datagram(i, std::move(datagram)); });
  return "";
}

void heartbeat_links::close() {
  for (auto& e : sockets_) {
    e.reader.reset();  // joins its thread before the fd goes
    if (e.fd >= 0) ::close(e.fd);
  }
  sockets_.clear();
}

bool heartbeat_links::send(size_t link, const std::vector<uint8_t>& datagram, std::string* why) {
  if (link >= sockets_.size() || sockets_[link].fd < 0) return false;
  auto& e = sockets_[link];
  auto to = address_of(e.to_address, e.to_port);
  if (::sendto(e.fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&to),
               sizeof to) < 0) {
    if (why) *why = std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace hamesh::heartbeat
