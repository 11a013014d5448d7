// The measurement behind the replica's transport (issue #8: "over the CAF mesh, or a
// dedicated TCP stream it owns, if measurement shows the mesh cannot reach the target"):
// one replicated 4 KiB write costs one round trip to the peer, so this times round trips of a
// 4 KiB payload answered by a small ack, one at a time, over loopback:
// - CAF 0.17's middleman: a published actor in one actor system, requested from another
//   (each with its own multiplexer), the way a replica writer would send to its peer's;
// - a plain TCP stream with TCP_NODELAY between two threads (what replica_engine does).
// Prints p50/p99 per transport and a RESULT line (hamesh's choice vs the mesh).
//   replica_transport [--count N]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using steady = std::chrono::steady_clock;

namespace {

struct figures {
  double p50 = 0, p99 = 0;
};

figures summarise(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 99 / 100]};
}

figures over_caf(size_t count) {
  caf::actor_system_config server_cfg, client_cfg;
  server_cfg.load<caf::io::middleman>();
  client_cfg.load<caf::io::middleman>();
  caf::actor_system server_sys{server_cfg}, client_sys{client_cfg};
  // The peer's writer: takes the write, answers with its sequence (the ack).
  auto peer = server_sys.spawn([]() -> caf::behavior {
    return {[](uint64_t sequence, const std::string&) { return sequence; }};
  });
  auto port = server_sys.middleman().publish(peer, 0, "127.0.0.1");
  if (!port) {
    std::fprintf(stderr, "publish failed\n");
    std::exit(1);
  }
  auto remote = client_sys.middleman().remote_actor("127.0.0.1", *port);
  if (!remote) {
    std::fprintf(stderr, "remote_actor failed\n");
    std::exit(1);
  }
  caf::scoped_actor self{client_sys};
  std::string payload(4096, 'x');
  std::vector<double> us;
  for (uint64_t i = 0; i < count + 100; ++i) {
    auto t0 = steady::now();
    self->request(*remote, std::chrono::seconds(5), i, payload)
        .receive([](uint64_t) {},
                 [](caf::error&) {
                   std::fprintf(stderr, "request failed\n");
                   std::exit(1);
                 });
    if (i >= 100)  // the first requests warm the connection up
      us.push_back(std::chrono::duration<double, std::micro>(steady::now() - t0).count());
  }
  caf::anon_send_exit(peer, caf::exit_reason::user_shutdown);
  return summarise(us);
}

void read_exactly(int fd, char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t k = ::recv(fd, buf + got, n - got, 0);
    if (k <= 0) std::exit(1);
    got += size_t(k);
  }
}

figures over_tcp(size_t count) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::listen(listener, 1);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  int one = 1;
  std::thread peer([listener, one] {
    int fd = ::accept(listener, nullptr, nullptr);
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::vector<char> frame(12 + 4096);
    char ack[16] = {};
    for (;;) {
      ssize_t k = ::recv(fd, frame.data(), 1, MSG_WAITALL);
      if (k <= 0) break;
      read_exactly(fd, frame.data() + 1, frame.size() - 1);
      if (::send(fd, ack, sizeof ack, MSG_NOSIGNAL) != sizeof ack) break;
    }
    ::close(fd);
  });
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) std::exit(1);
  std::string frame(12 + 4096, 'x');
  char ack[16];
  std::vector<double> us;
  for (size_t i = 0; i < count + 100; ++i) {
    auto t0 = steady::now();
    if (::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL) != ssize_t(frame.size())) std::exit(1);
    read_exactly(fd, ack, sizeof ack);
    if (i >= 100)
      us.push_back(std::chrono::duration<double, std::micro>(steady::now() - t0).count());
  }
  ::close(fd);
  peer.join();
  ::close(listener);
  return summarise(us);
}

}  // namespace

int main(int argc, char** argv) {
  size_t count = 5000;
  if (argc == 3 && std::string(argv[1]) == "--count") count = std::stoul(argv[2]);
  auto caf_rtt = over_caf(count);
  auto tcp_rtt = over_tcp(count);
  std::printf("Round trip of a 4 KiB write and its ack, one at a time, loopback (%zu each)\n",
              count);
  std::printf("%-34s %10s %10s\n", "", "p50 us", "p99 us");
  std::printf("%-34s %10.1f %10.1f\n", "CAF 0.17 middleman (remote actor)", caf_rtt.p50,
              caf_rtt.p99);
  std::printf("%-34s %10.1f %10.1f\n", "own TCP stream (replica_engine)", tcp_rtt.p50, tcp_rtt.p99);
  std::printf(
      "RESULT replica_transport_rtt_p50 hamesh=%.1f anchor=%.1f ratio=%.3f unit=us better=lower\n",
      tcp_rtt.p50, caf_rtt.p50, tcp_rtt.p50 / caf_rtt.p50);
  std::printf(
      "RESULT replica_transport_rtt_p99 hamesh=%.1f anchor=%.1f ratio=%.3f unit=us better=lower\n",
      tcp_rtt.p99, caf_rtt.p99, tcp_rtt.p99 / caf_rtt.p99);
  return 0;
}
