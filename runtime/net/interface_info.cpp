#include "runtime/net/interface_info.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace hamesh::net {

std::optional<interface_info> lookup_interface(const std::string& name, std::string* why) {
  interface_info info;
  info.name = name;
  info.index = static_cast<int>(if_nametoindex(name.c_str()));
  if (info.index == 0) {
    if (why) *why = "no interface named \"" + name + "\"";
    return std::nullopt;
  }
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    ifreq req{};
    std::strncpy(req.ifr_name, name.c_str(), IFNAMSIZ - 1);
    if (::ioctl(fd, SIOCGIFHWADDR, &req) == 0)
      std::memcpy(info.mac.data(), req.ifr_hwaddr.sa_data, 6);
    ::close(fd);
  }
  // The primary address: the first IPv4 address the kernel lists for the interface.
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) == 0) {
    for (auto* a = list; a; a = a->ifa_next) {
      if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || name != a->ifa_name) continue;
      info.primary_ipv4 = ntohl(reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr);
      break;
    }
    ::freeifaddrs(list);
  }
  return info;
}

}  // namespace hamesh::net
