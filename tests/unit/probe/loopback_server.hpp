#pragma once
// A TCP server on 127.0.0.1 (a port the kernel picks) for the check runner's tests: one
// thread accepts connections and hands each to the test's handler, in turn. Destruction
// stops and joins the thread even when a test failed half way, and closes every socket.
// Handlers use blocking I/O with a 5 s socket timeout, so a confused test cannot hang.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace probe_test {

class loopback_server {
 public:
  // The handler gets the connected socket; returning true keeps it open until the server is
  // destroyed (a server that accepts and never answers), false closes it.
  using handler = std::function<bool(int fd, loopback_server& self)>;

  explicit loopback_server(handler on_connection) : on_connection_(std::move(on_connection)) {
    // A client that gives up mid-conversation must not kill the test binary.
    std::signal(SIGPIPE, SIG_IGN);
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof a;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &size) != 0 || ::pipe(stop_) != 0)
      throw std::runtime_error("loopback_server: cannot listen");
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }

  ~loopback_server() {
    char wake = 1;
    (void)!::write(stop_[1], &wake, 1);
    thread_.join();
    for (int fd : held_) ::close(fd);
    ::close(listener_);
    ::close(stop_[0]);
    ::close(stop_[1]);
  }

  loopback_server(const loopback_server&) = delete;
  loopback_server& operator=(const loopback_server&) = delete;

  uint16_t port() const { return port_; }

  // What the handler recorded (the request it read), waiting up to `timeout` for it.
  std::string captured(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, timeout, [this] { return !captured_.empty(); });
    return captured_;
  }

  void capture(const std::string& text) {
    std::lock_guard<std::mutex> lock(mutex_);
    captured_ += text;
    changed_.notify_all();
  }

  // Blocking helpers for handlers.
  static bool send_all(int fd, const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads up to and including `terminator`; empty when the peer closed first.
  static std::string read_until(int fd, const std::string& terminator) {
    std::string got;
    char c;
    while (got.size() < terminator.size() ||
           got.compare(got.size() - terminator.size(), terminator.size(), terminator) != 0) {
      if (::recv(fd, &c, 1, 0) != 1) return {};
      got += c;
    }
    return got;
  }

 private:
  void run() {
    while (true) {
      pollfd p[2] = {{listener_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (::poll(p, 2, -1) < 0) continue;
      if (p[1].revents) return;
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      timeval five{5, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &five, sizeof five);
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &five, sizeof five);
      if (on_connection_(fd, *this))
        held_.push_back(fd);
      else
        ::close(fd);
    }
  }

  handler on_connection_;
  int listener_ = -1;
  int stop_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::thread thread_;
  std::vector<int> held_;  // only touched by the thread, then by the destructor after join
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string captured_;
};

}  // namespace probe_test
