#pragma once
// Test peers for http_engine_test: a threaded HTTP/1.1 backend on 127.0.0.1 (one thread per
// connection, keep-alive, counts its accepts, records what it read) and a blocking client.
// Destruction shuts every socket and joins every thread; sockets have 5 s timeouts, so a
// confused test fails instead of hanging.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace http_test {

inline void set_timeouts(int fd, int seconds = 5) {
  timeval t{seconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, sizeof t);
}

inline bool send_all(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += size_t(n);
  }
  return true;
}

// Reads into `buffer` until it holds `terminator`; false when the peer closed or timed out.
inline bool read_until(int fd, std::string& buffer, const std::string& terminator) {
  char chunk[4096];
  while (buffer.find(terminator) == std::string::npos) {
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, size_t(n));
  }
  return true;
}

inline bool read_exactly(int fd, std::string& buffer, size_t size) {
  char chunk[4096];
  while (buffer.size() < size) {
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, size_t(n));
  }
  return true;
}

inline std::string lower(std::string s) {
  for (auto& ch : s)
    if (ch >= 'A' && ch <= 'Z') ch = char(ch - 'A' + 'a');
  return s;
}

// The value of `name` in a head (first match, case-insensitive), or "".
inline std::string header(const std::string& head, const std::string& name) {
  auto l = lower(head);
  auto at = l.find("\r\n" + lower(name) + ":");
  if (at == std::string::npos) return "";
  auto start = at + 2 + name.size() + 1;
  auto end = head.find("\r\n", start);
  auto v = head.substr(start, end - start);
  while (!v.empty() && v.front() == ' ') v.erase(0, 1);
  return v;
}

// One message off `buffer` (head + body by Content-Length or chunked, raw); `fd` is read for
// more when needed. `no_body`: a response to HEAD. Empty head when the peer closed first.
struct message {
  std::string head;
  std::string body;  // raw (chunked framing kept)
  int status = 0;    // responses only
};

inline bool read_message(int fd, std::string& buffer, message& m, bool no_body = false) {
  if (!read_until(fd, buffer, "\r\n\r\n")) return false;
  auto end = buffer.find("\r\n\r\n") + 4;
  m.head = buffer.substr(0, end);
  buffer.erase(0, end);
  if (m.head.compare(0, 5, "HTTP/") == 0) m.status = std::stoi(m.head.substr(9, 3));
  if (no_body || m.status == 204 || m.status == 304 || (m.status >= 100 && m.status < 200))
    return true;
  auto te = lower(header(m.head, "Transfer-Encoding"));
  if (te.find("chunked") != std::string::npos) {
    // The last chunk ("0" at a line start), then the end of the trailer section. Enough
    // for the bodies these tests send (no chunk data holding "\n0\r\n").
    size_t stop = std::string::npos;
    char chunk[4096];
    for (;;) {
      size_t last = buffer.compare(0, 3, "0\r\n") == 0 ? 0 : buffer.find("\n0\r\n");
      if (last != std::string::npos) {
        auto end = buffer.find("\r\n\r\n", last + 1);
        if (end != std::string::npos) {
          stop = end + 4;
          break;
        }
      }
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buffer.append(chunk, size_t(n));
    }
    m.body = buffer.substr(0, stop);
    buffer.erase(0, stop);
    return true;
  }
  auto cl = header(m.head, "Content-Length");
  size_t size = cl.empty() ? 0 : std::stoul(cl);
  if (!read_exactly(fd, buffer, size)) return false;
  m.body = buffer.substr(0, size);
  buffer.erase(0, size);
  return true;
}

// True when the peer closes (EOF or reset) within the socket timeout, bytes before it dropped.
inline bool closed_by_peer(int fd) {
  char chunk[4096];
  for (;;) {
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
  }
}

// What the backend's handler answers: bytes to send, or hold (never answer) / close.
struct answer {
  std::string bytes;
  bool hold = false;
  bool close = false;
  bool byte_by_byte = false;
};

class backend {
 public:
  using handler = std::function<answer(const message& request)>;

  explicit backend(handler on_request) : on_request_(std::move(on_request)) {
    std::signal(SIGPIPE, SIG_IGN);
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof a;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener_, 64) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &size) != 0 || ::pipe(stop_) != 0)
      throw std::runtime_error("backend: cannot listen");
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~backend() {
    stopping_ = true;
    char wake = 1;
    (void)!::write(stop_[1], &wake, 1);
    acceptor_.join();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : workers_) t.join();
    for (int fd : fds_) ::close(fd);
    ::close(listener_);
    ::close(stop_[0]);
    ::close(stop_[1]);
  }
  backend(const backend&) = delete;
  backend& operator=(const backend&) = delete;

  uint16_t port() const { return port_; }
  int accepts() const { return accepts_.load(); }
  std::vector<message> requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

 private:
  void accept_loop() {
    for (;;) {
      pollfd p[2] = {{listener_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (::poll(p, 2, -1) < 0) continue;
      if (p[1].revents) return;
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      set_timeouts(fd);
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      ++accepts_;
      std::lock_guard<std::mutex> lock(mutex_);
      fds_.push_back(fd);
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    std::string buffer;
    for (;;) {
      message request;
      if (!read_message(fd, buffer, request)) return;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        requests_.push_back(request);
      }
      auto a = on_request_(request);
      if (a.close) {
        ::shutdown(fd, SHUT_RDWR);
        return;
      }
      if (a.hold) {
        char c;
        while (!stopping_ && ::recv(fd, &c, 1, 0) != 0) {
        }
        return;
      }
      if (a.byte_by_byte) {
        for (char ch : a.bytes) {
          if (!send_all(fd, std::string(1, ch))) return;
          std::this_thread::sleep_for(std::chrono::microseconds(200));  // pacing, not waiting
        }
      } else if (!send_all(fd, a.bytes)) {
        return;
      }
    }
  }

  handler on_request_;
  int listener_ = -1;
  int stop_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepts_{0};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> workers_;
  std::vector<int> fds_;
  std::vector<message> requests_;
};

// A connected client socket (closed by the destructor).
class client {
 public:
  explicit client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("client: cannot connect");
    set_timeouts(fd_);
  }
  ~client() { ::close(fd_); }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  bool send(const std::string& bytes) { return send_all(fd_, bytes); }
  message response(bool no_body = false) {
    message m;
    read_message(fd_, buffer_, m, no_body);
    return m;
  }
  bool closed() { return buffer_.empty() && closed_by_peer(fd_); }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string buffer_;
};

// A port nothing listens on (bound, then released).
inline uint16_t refused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Polls `condition` until it holds or `timeout` passes.
template <typename F>
bool eventually(F condition, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

inline answer ok(const std::string& body, const std::string& extra = "") {
  return {"HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra +
          "\r\n" + body};
}

}  // namespace http_test
