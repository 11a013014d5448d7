// Load generator and backend for the L4 benchmark (tools/bench/l4): both sides of a TCP
// connection, one epoll thread each, cheap enough that the proxy under test is the bottleneck.
//
//   l4_peer server PORT... [--req N] [--resp N]
//     a request starting with 's' is a stream: writes without end until the client closes;
//     else reads N request bytes, writes --resp bytes, closes (a short connection)
//   l4_peer client HOST:PORT [--mode rr|stream] [--concurrency C] [--seconds T] [--req N]
//                  [--resp N]
//     prints one JSON line: completed, errors, seconds, bytes, p50_us, p99_us
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using steady = std::chrono::steady_clock;

struct options {
  std::string mode = "rr";
  int concurrency = 64;
  double seconds = 5;
  size_t req = 64;
  size_t resp = 64;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "l4_peer: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

void add(int ep, int fd, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  if (::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
}

int run_server(const std::vector<int>& ports, const options& opt) {
  int ep = ::epoll_create1(0);
  std::vector<int> listeners;
  for (int port : ports) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(uint16_t(port));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) die("bind");
    if (::listen(fd, 4096) < 0) die("listen");
    add(ep, fd, EPOLLIN);
    listeners.push_back(fd);
  }
  struct conn {
    size_t got = 0, sent = 0;
    bool stream = false;
    bool classified = false;
  };
  std::unordered_map<int, conn> conns;
  std::vector<char> buf(1 << 16, 'x');
  std::vector<char> scratch(1 << 16);
  std::vector<epoll_event> events(512);
  for (;;) {
    int n = ::epoll_wait(ep, events.data(), int(events.size()), -1);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (std::find(listeners.begin(), listeners.end(), fd) != listeners.end()) {
        for (;;) {
          int c = ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK);
          if (c < 0) break;
          int one = 1;
          ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          conns[c] = conn{};
          add(ep, c, EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP);
        }
        continue;
      }
      auto it = conns.find(fd);
      if (it == conns.end()) continue;
      auto& c = it->second;
      bool done = false;
      if (!c.classified) {
        char first;
        if (::recv(fd, &first, 1, MSG_PEEK) == 1) {
          c.classified = true;
          c.stream = first == 's';
        }
      }
      if (c.stream) {
        for (;;) {
          auto r = ::read(fd, scratch.data(), scratch.size());
          if (r == 0 || (r < 0 && errno != EAGAIN)) {
            done = true;
            break;
          }
          if (r < 0) break;
        }
        while (!done) {
          auto w = ::send(fd, buf.data(), buf.size(), MSG_NOSIGNAL);
          if (w < 0) {
            done = errno != EAGAIN;
            break;
          }
        }
      } else {
        while (c.got < opt.req) {
          auto r = ::read(fd, scratch.data(), scratch.size());
          if (r > 0) {
            c.got += size_t(r);
          } else {
            done = r == 0 || errno != EAGAIN;
            break;
          }
        }
        while (!done && c.got >= opt.req && c.sent < opt.resp) {
          auto w = ::send(fd, buf.data(), std::min(buf.size(), opt.resp - c.sent), MSG_NOSIGNAL);
          if (w < 0) {
            done = errno != EAGAIN;
            break;
          }
          c.sent += size_t(w);
        }
        if (c.sent >= opt.resp) done = true;
      }
      if (done) {
        ::close(fd);
        conns.erase(it);
      }
    }
  }
}

int run_client(const std::string& target, const options& opt) {
  auto colon = target.rfind(':');
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(uint16_t(std::stoi(target.substr(colon + 1))));
  ::inet_pton(AF_INET, target.substr(0, colon).c_str(), &to.sin_addr);
  int ep = ::epoll_create1(0);
  struct conn {
    steady::time_point started;
    size_t sent = 0, got = 0;
  };
  std::unordered_map<int, conn> conns;
  std::vector<char> req(std::max<size_t>(opt.req, 1), opt.mode == "stream" ? 's' : 'q');
  std::vector<char> scratch(1 << 16);
  uint64_t completed = 0, errors = 0, bytes = 0;
  std::vector<uint32_t> latencies;
  auto open_one = [&] {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0 && errno != EINPROGRESS) {
      ::close(fd);
      ++errors;
      return;
    }
    conns[fd] = conn{steady::now()};
    add(ep, fd, EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP);
  };
  auto start = steady::now();
  auto end = start + std::chrono::duration_cast<steady::duration>(
                         std::chrono::duration<double>(opt.seconds));
  for (int i = 0; i < opt.concurrency; ++i) open_one();
  std::vector<epoll_event> events(512);
  while (steady::now() < end) {
    int n = ::epoll_wait(ep, events.data(), int(events.size()), 50);
    auto now = steady::now();
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      auto it = conns.find(fd);
      if (it == conns.end()) continue;
      auto& c = it->second;
      bool finished = false, failed = false;
      if (events[i].events & EPOLLERR) failed = true;
      while (!failed && c.sent < opt.req) {
        auto w = ::send(fd, req.data(), opt.req - c.sent, MSG_NOSIGNAL);
        if (w < 0) {
          failed = errno != EAGAIN;
          break;
        }
        c.sent += size_t(w);
      }
      while (!failed) {
        auto r = ::read(fd, scratch.data(), scratch.size());
        if (r > 0) {
          c.got += size_t(r);
          bytes += uint64_t(r);
          continue;
        }
        if (r == 0) finished = true;
        if (r < 0 && errno != EAGAIN) failed = true;
        break;
      }
      if (finished && opt.mode == "rr" && c.got != opt.resp) failed = true;
      if (finished || failed) {
        ::close(fd);
        if (failed) {
          ++errors;
        } else {
          ++completed;
          latencies.push_back(uint32_t(
              std::chrono::duration_cast<std::chrono::microseconds>(now - c.started).count()));
        }
        conns.erase(it);
        if (now < end) open_one();
      }
    }
  }
  double secs = std::chrono::duration<double>(steady::now() - start).count();
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    return latencies.empty() ? 0u : latencies[size_t(p * double(latencies.size() - 1))];
  };
  std::printf(
      "{\"completed\": %llu, \"errors\": %llu, \"seconds\": %.3f, \"bytes\": %llu, "
      "\"p50_us\": %u, \"p99_us\": %u}\n",
      (unsigned long long)completed, (unsigned long long)errors, secs, (unsigned long long)bytes,
      pct(0.5), pct(0.99));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  if (argc < 3) {
    std::fprintf(stderr, "usage: l4_peer server PORT... | client HOST:PORT [options]\n");
    return 2;
  }
  std::string role = argv[1];
  options opt;
  std::vector<std::string> positional;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--mode")
      opt.mode = next();
    else if (a == "--concurrency")
      opt.concurrency = std::stoi(next());
    else if (a == "--seconds")
      opt.seconds = std::stod(next());
    else if (a == "--req")
      opt.req = std::stoul(next());
    else if (a == "--resp")
      opt.resp = std::stoul(next());
    else
      positional.push_back(a);
  }
  if (role == "server") {
    std::vector<int> ports;
    for (auto& p : positional) ports.push_back(std::stoi(p));
    return run_server(ports, opt);
  }
  if (opt.mode == "stream") opt.req = 1;
  return run_client(positional.at(0), opt);
}
