#include "runtime/net/listen_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/ipv4_text.hpp"

namespace hamesh::net {

int open_listen_socket(int type, uint32_t address, uint16_t port, std::string& error) {
  auto where = format_ipv4(address) + ":" + std::to_string(port);
  int fd = ::socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  auto fail = [&](const std::string& what) {
    error = what + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return -1;
  };
  if (fd < 0) return fail("socket");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(address);
  addr.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) return fail("bind " + where);
  if (type == SOCK_STREAM && ::listen(fd, 4096) < 0) return fail("listen " + where);
  return fd;
}

}  // namespace hamesh::net
