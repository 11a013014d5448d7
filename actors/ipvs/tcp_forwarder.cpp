#include "actors/ipvs/tcp_forwarder.hpp"
#include "runtime/net/listen_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <list>
#include <optional>
#include <thread>

#include "actors/ipvs/forwarder_shared.hpp"
#include "actors/ipvs/member_picker.hpp"
#include "runtime/ipv4_text.hpp"

namespace hamesh::ipvs {
namespace {

using steady = std::chrono::steady_clock;

// Two attempts more when a real server refuses or times out (haproxy's `retries`), each to
// whatever the scheduler picks next.
constexpr int max_connect_attempts = 3;
constexpr size_t splice_chunk = 1 << 16;  // a default pipe holds 64 KiB
constexpr auto sweep_every = std::chrono::milliseconds(100);
// A connection one side has half-closed gets this long without traffic, whatever the idle
// timeout (LVS's FIN_WAIT timeout is 2 minutes; haproxy's client-fin/server-fin idea).
constexpr auto half_closed_timeout = std::chrono::minutes(2);

// Empty pipes kept for the next connection: two pipe2() and two close() per connection
// would cost more than the splices of a short one.
class pipe_pool {
 public:
  using pipe_fds = std::array<int, 2>;  // read end, write end

  ~pipe_pool() {
    for (auto& p : free_) close_pipe(p);
  }
  bool get(pipe_fds& out) {
    if (!free_.empty()) {
      out = free_.back();
      free_.pop_back();
      return true;
    }
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) return false;
    out = {fds[0], fds[1]};
    return true;
  }
  // Only an empty pipe is reused: leftover bytes would leak into the next connection.
  void put(pipe_fds p, bool empty) {
    if (p[0] < 0) return;
    if (empty && free_.size() < 4096)
      free_.push_back(p);
    else
      close_pipe(p);
  }

 private:
  static void close_pipe(pipe_fds p) {
    ::close(p[0]);
    ::close(p[1]);
  }
  std::vector<pipe_fds> free_;
};

struct connection;

// What an epoll event points at: one side of a connection, or the listener or wake-up fd
// (conn == nullptr).
struct endpoint_tag {
  connection* conn;
  bool backend;
};

// One direction of a connection: bytes go src -> pipe -> dst.
struct direction {
  pipe_pool::pipe_fds pipe{-1, -1};
  size_t pending = 0;       // in the pipe, not yet written to dst
  bool readable = false;    // src may hold unread bytes (epoll said so, and we have not drained it)
  bool src_hangup = false;  // src signalled FIN or an error: read on until it says which
  bool src_eof = false;
  bool shut = false;  // dst got our FIN
};

struct connection {
  int client = -1;
  int backend = -1;
  size_t member = 0;
  client_key key;
  bool connecting = true;
  bool counted_active = false;
  bool closing = false;
  bool dead = false;
  int attempts = 0;
  direction up;    // client -> real server
  direction down;  // real server -> client
  steady::time_point connect_deadline;
  steady::time_point last_activity;
  endpoint_tag client_tag{this, false};
  endpoint_tag backend_tag{this, true};
  std::list<connection>::iterator self;
};

enum class move_result { ok, failed };

class tcp_engine : public forwarder_engine {
 public:
  explicit tcp_engine(const forwarder_settings& cfg)
      : cfg_(cfg), picker_(cfg.scheduler, cfg.persistence) {}

  ~tcp_engine() override {
    stop_.store(true);
    mailbox_.wake();
    if (thread_.joinable()) thread_.join();
    for (auto& c : conns_) close_fds(c, true);
    if (listen_fd_ >= 0) ::close(listen_fd_);
    if (epfd_ >= 0) ::close(epfd_);
  }

  std::string start(const pool_view& pool) override {
    install_counters(std::make_shared<forwarder_counters>(pool.members.size()));
    pool_ = pool;
    picker_.set_pool(pool);
    std::string error;
    listen_fd_ = net::open_listen_socket(SOCK_STREAM, cfg_.address, cfg_.port, error);
    if (listen_fd_ < 0) return error;
    auto fail = [](const std::string& what) { return what + ": " + std::strerror(errno); };
    epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) return fail("epoll_create1");
    watch(listen_fd_, EPOLLIN, &listen_tag_);
    watch(mailbox_.wake_fd(), EPOLLIN, &wake_tag_);
    thread_ = std::thread([this] { run(); });
    return "";
  }

 private:
  void watch(int fd, uint32_t events, endpoint_tag* tag, int op = EPOLL_CTL_ADD) {
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = tag;
    ::epoll_ctl(epfd_, op, fd, &ev);
  }

  void run() {
    std::array<epoll_event, 256> events;
    auto last_sweep = steady::now();
    while (!stop_.load()) {
      int n = ::epoll_wait(epfd_, events.data(), int(events.size()), 100);
      auto now = steady::now();
      for (int i = 0; i < n; ++i) {
        auto* tag = static_cast<endpoint_tag*>(events[i].data.ptr);
        if (tag == &wake_tag_) {
          on_wake();
        } else if (tag == &listen_tag_) {
          accept_all(now);
        } else if (!tag->conn->dead) {
          on_event(*tag->conn, tag->backend, events[i].events, now);
        }
      }
      for (auto it : graveyard_) conns_.erase(it);
      graveyard_.clear();
      if (now - last_sweep >= sweep_every) {
        sweep(now);
        last_sweep = now;
      }
    }
  }

  void on_wake() {
    if (auto change = mailbox_.take()) {
      if (change->settings)
        reconfigure(*change->settings, change->pool);
      else {
        pool_ = change->pool;
        picker_.set_pool(pool_);
      }
    }
    if (!accepting_.load() && listen_fd_ >= 0) {
      ::close(listen_fd_);
      listen_fd_ = -1;
    }
  }

  // A member of the current pool (not the slot of a real server a reload removed).
  bool tracked(size_t member) const { return member < pool_.members.size(); }

  // New settings and pool from a reload: the listener and every open connection stay;
  // connections follow their real server to its new index (or finish on the retired slot).
  void reconfigure(const forwarder_settings& settings, const pool_view& pool) {
    auto remap = remap_members(pool_, pool);
    auto fresh = std::make_shared<forwarder_counters>(pool.members.size());
    fresh->carry_over(*counters_, remap);
    for (auto& c : conns_)
      c.member = c.member < remap.size() && remap[c.member] != size_t(-1) ? remap[c.member]
                                                                          : fresh->retired();
    auto address = cfg_.address;
    auto port = cfg_.port;
    cfg_ = settings;
    cfg_.address = address;  // the listener stays where it is
    cfg_.port = port;
    pool_ = pool;
    picker_ = member_picker(cfg_.scheduler, cfg_.persistence);
    picker_.set_pool(pool_);
    for (auto& c : conns_) {  // lc and wlc see the connections that are open
      if (c.dead || !tracked(c.member) || c.backend < 0) continue;
      picker_.opened(c.member);
      if (c.counted_active) picker_.established(c.member);
    }
    install_counters(std::move(fresh));
  }

  void accept_all(steady::time_point now) {
    while (listen_fd_ >= 0) {
      if (cfg_.max_connections != 0 && conns_.size() - graveyard_.size() >= cfg_.max_connections) {
        // Leave the rest in the kernel's backlog until a connection ends.
        if (!paused_) {
          watch(listen_fd_, 0, &listen_tag_, EPOLL_CTL_MOD);
          paused_ = true;
          counters_->add(counters_->over_limit);
        }
        return;
      }
      sockaddr_in peer{};
      socklen_t len = sizeof peer;
      int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (net::out_of_descriptors(errno)) {
          // Out of descriptors: the connection stays in the backlog and the (level-triggered)
          // listener would wake us at once, forever. Listen again after a pause.
          watch(listen_fd_, 0, &listen_tag_, EPOLL_CTL_MOD);
          starved_until_ = now + std::chrono::milliseconds(100);
          counters_->add(counters_->over_limit);
        }
        return;  // EAGAIN: all taken
      }
      counters_->add(counters_->accepted);
      conns_.emplace_back();
      auto& c = conns_.back();
      c.self = std::prev(conns_.end());
      c.client = fd;
      c.key = {ntohl(peer.sin_addr.s_addr), ntohs(peer.sin_port)};
      counters_->add(counters_->open);
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      watch(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &c.client_tag);
      connect_backend(c, now);
    }
  }

  void connect_backend(connection& c, steady::time_point now) {
    while (c.attempts < max_connect_attempts) {
      ++c.attempts;
      auto m = picker_.pick(c.key, now);
      if (!m) {
        counters_->add(counters_->no_server);
        return end(c, true);
      }
      c.member = *m;
      auto& counters = counters_->at(c.member);
      counters_->add(counters.connections);
      c.backend = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (c.backend < 0) return end(c, true);
      int one = 1;
      ::setsockopt(c.backend, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_addr.s_addr = htonl(pool_.members[c.member].address);
      to.sin_port = htons(pool_.members[c.member].port);
      int rc = ::connect(c.backend, reinterpret_cast<sockaddr*>(&to), sizeof to);
      if (rc == 0 || errno == EINPROGRESS) {
        picker_.opened(c.member);
        counters_->add(counters.inactive);
        c.connect_deadline = now + cfg_.connect_timeout;
        watch(c.backend, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &c.backend_tag);
        return;  // on_connected() follows when the socket becomes writable
      }
      counters_->add(counters.connect_errors);
      ::close(c.backend);
      c.backend = -1;
    }
    end(c, true);
  }

  // Edge-triggered: an event says which side may now be read or written. Syscalls are the
  // cost of a short connection, so a side is read only when epoll said so, and only until a
  // short read shows it drained (the next arrival raises a new edge).
  void on_event(connection& c, bool backend, uint32_t events, steady::time_point now) {
    if (c.connecting) {
      if (!backend) return;  // the client's bytes wait in its socket until the real answers
      if (events & (EPOLLERR | EPOLLHUP)) return connect_failed(c, now);
      if (!(events & EPOLLOUT)) return;
      return on_connected(c, events, now);
    }
    auto& from = backend ? c.down : c.up;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) from.readable = true;
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) from.src_hangup = true;
    pump(c, now);
  }

  void on_connected(connection& c, uint32_t events, steady::time_point now) {
    auto& counters = counters_->at(c.member);
    c.connecting = false;
    c.counted_active = true;
    if (tracked(c.member)) picker_.established(c.member);
    counters_->sub(counters.inactive);
    counters_->add(counters.active);
    if (!pipes_.get(c.up.pipe) || !pipes_.get(c.down.pipe)) return end(c, true);
    c.last_activity = now;
    c.up.readable = true;                       // whatever the client sent while we were connecting
    c.down.readable = (events & EPOLLIN) != 0;  // a server that speaks first (SMTP, IMAP)
    if (events & EPOLLRDHUP) c.down.src_hangup = true;
    pump(c, now);
  }

  void connect_failed(connection& c, steady::time_point now) {
    auto& counters = counters_->at(c.member);
    counters_->add(counters.connect_errors);
    counters_->sub(counters.inactive);
    if (tracked(c.member)) picker_.closed(c.member, false);
    ::close(c.backend);  // also leaves the epoll set
    c.backend = -1;
    connect_backend(c, now);
  }

  move_result move(direction& d, int src, int dst, std::atomic<uint64_t>& bytes, bool& moved) {
    for (;;) {
      if (d.pending > 0) {
        auto n = ::splice(d.pipe[0], nullptr, dst, nullptr, d.pending,
                          SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n < 0) return errno == EAGAIN ? move_result::ok : move_result::failed;
        d.pending -= size_t(n);
        counters_->add(bytes, uint64_t(n));
        moved = true;
        if (d.pending > 0) return move_result::ok;  // dst is full: its EPOLLOUT resumes us
        continue;
      }
      if (d.src_eof) {
        if (!d.shut) {
          ::shutdown(dst, SHUT_WR);  // pass the half-close on
          d.shut = true;
        }
        return move_result::ok;
      }
      if (!d.readable) return move_result::ok;
      auto n = ::splice(src, nullptr, d.pipe[1], nullptr, splice_chunk,
                        SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n > 0) {
        d.pending = size_t(n);
        moved = true;
        // A short read drained the socket, unless a FIN is also waiting to be read.
        if (size_t(n) < splice_chunk && !d.src_hangup) d.readable = false;
      } else if (n == 0) {
        d.src_eof = true;
      } else {
        d.readable = false;
        return errno == EAGAIN ? move_result::ok : move_result::failed;
      }
    }
  }

  void pump(connection& c, steady::time_point now) {
    auto& counters = counters_->at(c.member);
    bool moved = false;
    auto up = move(c.up, c.client, c.backend, counters.bytes_in, moved);
    auto down = move(c.down, c.backend, c.client, counters.bytes_out, moved);
    if (moved) c.last_activity = now;
    // A reset on one side resets the other: the client must not take a cut-off reply for
    // a whole one.
    if (up == move_result::failed || down == move_result::failed) return end(c, true);
    if (c.up.shut && c.down.shut) return end(c, false);
    if (!c.closing && (c.up.src_eof || c.down.src_eof)) {
      c.closing = true;  // ipvsadm counts a half-closed connection as inactive
      c.counted_active = false;
      if (tracked(c.member)) picker_.closing(c.member);
      counters_->sub(counters.active);
      counters_->add(counters.inactive);
    }
  }

  void close_fds(connection& c, bool reset) {
    for (int fd : {c.client, c.backend}) {
      if (fd < 0) continue;
      if (reset) {
        linger l{1, 0};  // close with RST
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      }
      ::close(fd);
    }
    pipes_.put(c.up.pipe, c.up.pending == 0);
    pipes_.put(c.down.pipe, c.down.pending == 0);
    c.client = c.backend = -1;
    c.up.pipe = c.down.pipe = {-1, -1};
  }

  void end(connection& c, bool reset) {
    if (c.dead) return;
    if (c.backend >= 0) {
      auto& counters = counters_->at(c.member);
      counters_->sub(c.counted_active ? counters.active : counters.inactive);
      if (tracked(c.member)) picker_.closed(c.member, c.counted_active);
    }
    close_fds(c, reset);
    c.dead = true;
    counters_->sub(counters_->open);
    graveyard_.push_back(c.self);
    if (paused_ && listen_fd_ >= 0 && !starved_until_) {
      watch(listen_fd_, EPOLLIN, &listen_tag_, EPOLL_CTL_MOD);
      paused_ = false;
    }
  }

  void sweep(steady::time_point now) {
    for (auto& c : conns_) {
      if (c.dead) continue;
      if (c.connecting && c.backend >= 0 && now >= c.connect_deadline)
        connect_failed(c, now);
      else if (!c.connecting &&
               now - c.last_activity >=
                   (c.closing ? std::min<steady::duration>(cfg_.idle_timeout, half_closed_timeout)
                              : cfg_.idle_timeout))
        end(c, true);
    }
    for (auto it : graveyard_) conns_.erase(it);
    graveyard_.clear();
    picker_.expire(now);
    if (starved_until_ && now >= *starved_until_ && listen_fd_ >= 0) {
      starved_until_.reset();
      bool full = cfg_.max_connections != 0 && conns_.size() >= cfg_.max_connections;
      if (!full) {
        paused_ = false;
        watch(listen_fd_, EPOLLIN, &listen_tag_, EPOLL_CTL_MOD);
      }
    }
  }

  forwarder_settings cfg_;
  member_picker picker_;
  pool_view pool_;
  int epfd_ = -1;
  int listen_fd_ = -1;
  bool paused_ = false;                              // at max_connections
  std::optional<steady::time_point> starved_until_;  // out of file descriptors
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::list<connection> conns_;
  std::vector<std::list<connection>::iterator> graveyard_;
  pipe_pool pipes_;
  endpoint_tag listen_tag_{nullptr, false};
  endpoint_tag wake_tag_{nullptr, false};
};

}  // namespace

std::unique_ptr<data_plane> make_tcp_forwarder(const forwarder_settings& settings) {
  return std::make_unique<forwarder_plane>(std::make_unique<tcp_engine>(settings));
}

}  // namespace hamesh::ipvs
