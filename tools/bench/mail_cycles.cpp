// IMAP load client for the mail proxy benchmark (tools/bench/mail): one epoll thread holding
// many connections, cheap enough that the proxy under test is the bottleneck.
//
//   mail_cycles cycles HOST PORT USER PASS [--clients N] [--seconds T] [--users M]
//     N connections, each looping: connect, greeting, `a LOGIN`, `b SELECT INBOX`,
//     `c LOGOUT`, the server's close; prints one JSON line: cycles, errors, seconds,
//     cycles_per_s, p50_us, p99_us (latency of a whole cycle, connect to close)
//   mail_cycles idle HOST PORT COUNT USER PASS [--users M] [--parallel P]
//     logs COUNT connections in (at most P logging in at once), prints "ready OK FAILED",
//     holds them until stdin ends, then prints "dropped D" (closed by the server meanwhile)
//
// With --users M the login name is USER followed by 1..M, round-robin over the connections.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using steady = std::chrono::steady_clock;

// A step that takes longer than this counts as an error (a stuck proxy must not hang the run).
constexpr auto step_timeout = std::chrono::seconds(10);
// After a failed connect, wait this long before the next one: no busy loop on a dead port.
constexpr auto retry_delay = std::chrono::milliseconds(20);
constexpr auto sweep_interval = std::chrono::milliseconds(10);
constexpr int max_reported_errors = 5;

struct options {
  std::string host;
  int port = 0;
  std::string user;
  std::string password;
  int users = 0;
  int clients = 32;
  double seconds = 5;
  long count = 0;
  int parallel = 200;
};

enum class phase { idle_slot, greeting, login, select, logout, closing, logged_in };

struct connection {
  int fd = -1;
  phase at = phase::idle_slot;
  std::string in;
  steady::time_point started{};
  steady::time_point deadline{};
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "mail_cycles: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(2);
}

[[noreturn]] void usage() {
  std::fprintf(
      stderr,
      "usage: mail_cycles cycles HOST PORT USER PASS [--clients N] [--seconds T] [--users M]\n"
      "       mail_cycles idle HOST PORT COUNT USER PASS [--users M] [--parallel P]\n");
  std::exit(2);
}

// Holding 10,000 connections needs more descriptors than the usual soft limit of 1024.
void raise_fd_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

class client {
 public:
  explicit client(const options& opt) : opt_(opt) {
    ep_ = ::epoll_create1(0);
    if (ep_ < 0) die("epoll_create1");
    addr_.sin_family = AF_INET;
    addr_.sin_port = htons(uint16_t(opt.port));
    if (::inet_pton(AF_INET, opt.host.c_str(), &addr_.sin_addr) != 1) {
      std::fprintf(stderr, "mail_cycles: not an IPv4 address: %s\n", opt.host.c_str());
      std::exit(2);
    }
  }

  // Cycles mode: every slot loops until the measuring window ends.
  int run_cycles() {
    cycling_ = true;
    std::vector<connection> conns(size_t(opt_.clients));
    auto begin = steady::now();
    auto end = begin + std::chrono::duration_cast<steady::duration>(
                           std::chrono::duration<double>(opt_.seconds));
    for (auto& c : conns) open(c);
    loop(conns, [&] { return steady::now() >= end; });
    double elapsed = std::chrono::duration<double>(steady::now() - begin).count();
    std::sort(latencies_us_.begin(), latencies_us_.end());
    auto pct = [&](double p) {
      if (latencies_us_.empty()) return 0.0;
      return latencies_us_[std::min(latencies_us_.size() - 1,
                                    size_t(p * double(latencies_us_.size())))];
    };
    std::printf(
        "{\"cycles\": %zu, \"errors\": %ld, \"seconds\": %.3f, \"cycles_per_s\": %.1f, "
        "\"p50_us\": %.0f, \"p99_us\": %.0f}\n",
        latencies_us_.size(), errors_, elapsed, double(latencies_us_.size()) / elapsed, pct(0.50),
        pct(0.99));
    return 0;
  }

  // Idle mode: log COUNT connections in, report, hold them until stdin closes.
  int run_idle() {
    std::vector<connection> conns(size_t(opt_.count));
    size_t next = 0;
    loop(conns, [&] {
      for (; next < conns.size() && logging_in_ < opt_.parallel; ++next) open(conns[next]);
      return logged_in_ + errors_ >= opt_.count;
    });
    std::printf("ready %ld %ld\n", logged_in_, errors_);
    std::fflush(stdout);
    // Watch stdin beside the connections: its end is the signal to let go of them all.
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = ~uint64_t(0);
    if (::epoll_ctl(ep_, EPOLL_CTL_ADD, 0, &ev) == 0) {
      stdin_open_ = true;
      loop(conns, [&] { return !stdin_open_; });
    } else if (errno == EPERM) {  // a file (such as /dev/null), not pollable: read it to its end
      char b[256];
      while (::read(0, b, sizeof b) > 0) {
      }
    } else {
      die("epoll_ctl stdin");
    }
    std::printf("dropped %ld\n", dropped_);
    return 0;
  }

 private:
  std::string login_name() {
    if (opt_.users <= 0) return opt_.user;
    return opt_.user + std::to_string(1 + (user_turn_++ % opt_.users));
  }

  void open(connection& c) {
    ++logging_in_;
    c.at = phase::greeting;  // the greeting arriving is also the sign that connect succeeded
    c.in.clear();
    c.started = steady::now();
    c.deadline = c.started + step_timeout;
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) die("socket");
    int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&addr_), sizeof addr_) < 0 &&
        errno != EINPROGRESS) {
      fail(c, std::string("connect: ") + std::strerror(errno));
      return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.ptr = &c;
    if (::epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev) < 0) die("epoll_ctl");
  }

  void close_fd(connection& c) {
    if (c.fd >= 0) ::close(c.fd);  // close also takes the fd out of the epoll set
    c.fd = -1;
  }

  void fail(connection& c, const std::string& why) {
    if (errors_ < max_reported_errors)
      std::fprintf(stderr, "mail_cycles: error: %s\n", why.c_str());
    ++errors_;
    if (c.at == phase::greeting || c.at == phase::login) --logging_in_;
    close_fd(c);
    c.at = phase::idle_slot;
    c.deadline = steady::now() + retry_delay;  // a cycling slot reopens after this
  }

  void send(connection& c, const std::string& line, phase next) {
    ssize_t n = ::send(c.fd, line.data(), line.size(), MSG_NOSIGNAL);
    if (n !=
        ssize_t(line.size())) {  // a command of a few dozen bytes always fits the socket buffer
      fail(c, std::string("send: ") + (n < 0 ? std::strerror(errno) : "short write"));
      return;
    }
    c.at = next;
    c.deadline = steady::now() + step_timeout;
  }

  // One complete line from the server; untagged lines before a tagged reply are skipped.
  void on_line(connection& c, const std::string& line) {
    auto tagged_ok = [&](const char* tag) {
      size_t t = std::strlen(tag);
      return line.compare(0, t, tag) == 0 && line.compare(t, 4, " OK ") == 0;
    };
    auto is_tagged = [&](const char* tag) {
      size_t t = std::strlen(tag);
      return line.compare(0, t, tag) == 0 && line.size() > t && line[t] == ' ';
    };
    switch (c.at) {
      case phase::greeting:
        if (line.compare(0, 5, "* OK ") != 0) return fail(c, "greeting: " + line);
        return send(c, "a LOGIN " + login_name() + " " + opt_.password + "\r\n", phase::login);
      case phase::login:
        if (tagged_ok("a")) {
          --logging_in_;
          c.at = phase::logged_in;
          if (cycling_) return send(c, "b SELECT INBOX\r\n", phase::select);
          c.deadline = steady::time_point::max();
          ++logged_in_;
          return;
        }
        if (is_tagged("a")) return fail(c, "LOGIN: " + line);
        return;
      case phase::select:
        if (tagged_ok("b")) return send(c, "c LOGOUT\r\n", phase::logout);
        if (is_tagged("b")) return fail(c, "SELECT: " + line);
        return;
      case phase::logout:
        if (tagged_ok("c"))
          c.at = phase::closing;  // the cycle ends when the server closes
        else if (is_tagged("c"))
          return fail(c, "LOGOUT: " + line);
        return;
      default:
        return;  // idle or closing: nothing expected, nothing to answer
    }
  }

  void on_readable(connection& c) {
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        c.in.append(buf, size_t(n));
        size_t start = 0, eol;
        while (c.fd >= 0 && (eol = c.in.find("\r\n", start)) != std::string::npos) {
          on_line(c, c.in.substr(start, eol - start));
          start = eol + 2;
        }
        if (c.fd < 0) return;
        c.in.erase(0, start);
        if (size_t(n) < sizeof buf) return;
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      // The server closed (or reset) the connection.
      if (c.at == phase::closing) {
        latencies_us_.push_back(
            std::chrono::duration<double, std::micro>(steady::now() - c.started).count());
        close_fd(c);
        return open(c);
      }
      if (c.at == phase::logged_in) {
        ++dropped_;
        close_fd(c);
        c.at = phase::idle_slot;
        return;
      }
      return fail(c, n == 0 ? "closed by the server while " + phase_name(c.at)
                            : std::string("recv: ") + std::strerror(errno));
    }
  }

  static std::string phase_name(phase p) {
    switch (p) {
      case phase::greeting:
        return "waiting for the greeting";
      case phase::login:
        return "logging in";
      case phase::select:
        return "selecting";
      case phase::logout:
        return "logging out";
      default:
        return "idle";
    }
  }

  // Runs until done(); every sweep_interval, fails steps past their deadline and reopens the
  // cycling slots whose retry delay is over.
  template <class Done>
  void loop(std::vector<connection>& conns, Done done) {
    std::vector<epoll_event> events(1024);
    auto last_sweep = steady::now();
    while (!done()) {
      int n = ::epoll_wait(ep_, events.data(), int(events.size()), 10);
      if (n < 0 && errno != EINTR) die("epoll_wait");
      for (int i = 0; i < n; ++i) {
        if (events[i].data.u64 == ~uint64_t(0)) {
          char b[256];
          if (::read(0, b, sizeof b) <= 0) stdin_open_ = false;
          continue;
        }
        auto& c = *static_cast<connection*>(events[i].data.ptr);
        if (c.fd >= 0) on_readable(c);
      }
      auto now = steady::now();
      if (now - last_sweep < sweep_interval) continue;
      last_sweep = now;
      for (auto& c : conns) {
        if (c.fd >= 0 && now > c.deadline) fail(c, "timeout while " + phase_name(c.at));
        if (cycling_ && c.fd < 0 && now >= c.deadline) open(c);
      }
    }
  }

  const options& opt_;
  int ep_ = -1;
  sockaddr_in addr_{};
  long user_turn_ = 0;
  long errors_ = 0;
  long logged_in_ = 0;
  long dropped_ = 0;
  bool stdin_open_ = false;
  long logging_in_ = 0;  // connections between connect and the LOGIN's answer
  bool cycling_ = false;
  std::vector<double> latencies_us_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage();
  std::string mode = argv[1];
  std::vector<std::string> pos;
  options opt;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--clients")
      opt.clients = std::atoi(value().c_str());
    else if (a == "--seconds")
      opt.seconds = std::atof(value().c_str());
    else if (a == "--users")
      opt.users = std::atoi(value().c_str());
    else if (a == "--parallel")
      opt.parallel = std::atoi(value().c_str());
    else if (a.rfind("--", 0) == 0)
      usage();
    else
      pos.push_back(a);
  }
  ::signal(SIGPIPE, SIG_IGN);
  raise_fd_limit();
  if (mode == "cycles" && pos.size() == 4) {
    opt.host = pos[0], opt.port = std::atoi(pos[1].c_str()), opt.user = pos[2],
    opt.password = pos[3];
    if (opt.clients < 1 || opt.seconds <= 0) usage();
    return client(opt).run_cycles();
  }
  if (mode == "idle" && pos.size() == 5) {
    opt.host = pos[0], opt.port = std::atoi(pos[1].c_str()), opt.count = std::atol(pos[2].c_str());
    opt.user = pos[3], opt.password = pos[4];
    if (opt.count < 1 || opt.parallel < 1) usage();
    return client(opt).run_idle();
  }
  usage();
}
