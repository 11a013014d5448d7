#include "runtime/net/listen_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
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

int listen_or_inherit(int inherited, uint32_t address, uint16_t port, uint16_t& bound_port,
                      std::string& error) {
  int fd = -1;
  if (inherited >= 0) {
    fd = ::fcntl(inherited, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
      error = std::string("dup of the listener: ") + std::strerror(errno);
      return -1;
    }
  } else {
    fd = open_listen_socket(SOCK_STREAM, address, port, error);
    if (fd < 0) return -1;
  }
  sockaddr_in bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  bound_port = ntohs(bound.sin_port);
  return fd;
}

bool out_of_descriptors(int error_number) {
  return error_number == EMFILE || error_number == ENFILE || error_number == ENOBUFS ||
         error_number == ENOMEM;
}

}  // namespace hamesh::net
