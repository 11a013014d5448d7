// The ceiling of each way hamesh could move HTTP bytes, for the proxy's data-plane choice
// (DESIGN.md, Data planes; issue #6 item 3): answers every keep-alive request with a fixed
// 200, doing nothing else, so that what is measured is the I/O path itself.
//   http_ceiling_server caf PORT     a CAF 0.17 io broker (CAF's one multiplexer thread)
//   http_ceiling_server epoll PORT   a plain epoll loop on one thread
// Requests are counted by their blank line; bodies are not expected (wrk's GET).
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <unordered_map>

namespace {

constexpr std::string_view response =
    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\nok\n";

// Complete requests in `tail` + `data`; `tail` keeps what may start the next blank line.
size_t count_requests(std::string& tail, const char* data, size_t size) {
  tail.append(data, size);
  size_t n = 0, at = 0;
  while ((at = tail.find("\r\n\r\n", at)) != std::string::npos) {
    ++n;
    at += 4;
    tail.erase(0, at);
    at = 0;
  }
  if (tail.size() > 3) tail.erase(0, tail.size() - 3);
  return n;
}

struct broker_state {
  std::unordered_map<caf::io::connection_handle, std::string> tails;
};

caf::behavior http_broker(caf::io::stateful_broker<broker_state>* self) {
  return {
      [=](const caf::io::new_connection_msg& msg) {
        self->configure_read(msg.handle, caf::io::receive_policy::at_most(16384));
      },
      [=](caf::io::new_data_msg& msg) {
        auto n = count_requests(self->state.tails[msg.handle], msg.buf.data(), msg.buf.size());
        if (n == 0) return;
        auto& out = self->wr_buf(msg.handle);
        for (size_t i = 0; i < n; ++i) out.insert(out.end(), response.begin(), response.end());
        self->flush(msg.handle);
      },
      [=](const caf::io::connection_closed_msg& msg) { self->state.tails.erase(msg.handle); },
  };
}

int run_caf(uint16_t port) {
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  caf::actor_system sys{cfg};
  auto server = sys.middleman().spawn_server(http_broker, port);
  if (!server) {
    std::cerr << "cannot listen: " << caf::to_string(server.error()) << "\n";
    return 1;
  }
  std::cout << "listening" << std::endl;
  pause();  // until killed
  return 0;
}

int run_epoll(uint16_t port) {
  int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 || ::listen(lfd, 4096) < 0) {
    std::cerr << "cannot listen: " << std::strerror(errno) << "\n";
    return 1;
  }
  int ep = ::epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  std::unordered_map<int, std::string> tails;
  std::string out;
  char buf[16384];
  epoll_event events[256];
  std::cout << "listening" << std::endl;
  for (;;) {
    int n = ::epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        for (int c; (c = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) {
          ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event cev{};
          cev.events = EPOLLIN;
          cev.data.fd = c;
          ::epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
          tails[c];
        }
        continue;
      }
      auto r = ::read(fd, buf, sizeof buf);
      if (r <= 0) {
        ::close(fd);
        tails.erase(fd);
        continue;
      }
      auto requests = count_requests(tails[fd], buf, size_t(r));
      out.clear();
      for (size_t k = 0; k < requests; ++k) out.append(response);
      if (!out.empty()) [[maybe_unused]]
        auto w = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  if (argc != 3) {
    std::cerr << "usage: http_ceiling_server caf|epoll PORT\n";
    return 2;
  }
  auto port = static_cast<uint16_t>(std::stoi(argv[2]));
  return std::string(argv[1]) == "caf" ? run_caf(port) : run_epoll(port);
}
