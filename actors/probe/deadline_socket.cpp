#include "actors/probe/deadline_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace hamesh::probe {

std::string errno_text(int error_number) {
  return std::generic_category().message(error_number);
}

deadline_socket::~deadline_socket() {
  close();
}

deadline_socket::deadline_socket(deadline_socket&& other) noexcept : fd_(other.fd_) {
  other.fd_ = -1;
}

deadline_socket& deadline_socket::operator=(deadline_socket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

void deadline_socket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

io_result deadline_socket::wait(short events, time_point deadline) {
  pollfd p{fd_, events, 0};
  while (true) {
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::nanoseconds::zero()) return {io_status::timeout, 0, {}};
    // Round up: a wait of 0 ms with 300 µs left would spin instead of sleeping.
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    int r = ::poll(&p, 1, ms > 1'000'000 ? 1'000'000 : static_cast<int>(ms));
    if (r > 0) return {};
    if (r < 0 && errno != EINTR) return io_result::failure("poll: " + errno_text(errno));
  }
}

io_result deadline_socket::connect(const sockaddr_in& to, time_point deadline) {
  close();
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return io_result::failure("socket: " + errno_text(errno));
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0) return {};
  if (errno != EINPROGRESS && errno != EINTR)
    return io_result::failure("connect: " + errno_text(errno));
  auto waited = wait(POLLOUT, deadline);
  if (!waited.ok()) return waited;
  int error = 0;
  socklen_t size = sizeof error;
  if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &size) != 0) error = errno;
  if (error != 0) return io_result::failure("connect: " + errno_text(error));
  return {};
}

io_result deadline_socket::read_some(char* buffer, size_t capacity, time_point deadline) {
  while (true) {
    ssize_t n = ::recv(fd_, buffer, capacity, 0);
    if (n > 0) return {io_status::ok, static_cast<size_t>(n), {}};
    if (n == 0) return {io_status::closed, 0, {}};
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      return io_result::failure("recv: " + errno_text(errno));
    auto waited = wait(POLLIN, deadline);
    if (!waited.ok()) return waited;
  }
}

io_result deadline_socket::write_all(std::string_view bytes, time_point deadline) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n >= 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      return io_result::failure("send: " + errno_text(errno));
    auto waited = wait(POLLOUT, deadline);
    if (!waited.ok()) return waited;
  }
  return {io_status::ok, sent, {}};
}

}  // namespace hamesh::probe
