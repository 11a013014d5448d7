#include "runtime/net/socket_reader.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace hamesh::net {

socket_reader::socket_reader(int fd, callback on_datagram)
    : fd_(fd), on_datagram_(std::move(on_datagram)) {
  thread_ = std::thread([this] { run(); });
}

socket_reader::~socket_reader() {
  stop_.wake();
  thread_.join();
}

void socket_reader::run() {
  std::vector<uint8_t> buf(65536);
  pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_.fd(), POLLIN, 0}};
  for (;;) {
    int n = ::poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (fds[1].revents & POLLIN)) return;
    if (!(fds[0].revents & POLLIN)) {
      if (fds[0].revents & (POLLERR | POLLNVAL)) return;
      continue;
    }
    for (;;) {  // drain what is queued
      ssize_t got = ::recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
      if (got < 0) break;
      on_datagram_(std::vector<uint8_t>(buf.begin(), buf.begin() + got));
    }
  }
}

}  // namespace hamesh::net
