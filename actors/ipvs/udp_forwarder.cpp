#include "actors/ipvs/udp_forwarder.hpp"
#include "runtime/net/listen_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <list>
#include <map>
#include <thread>

#include "actors/ipvs/forwarder_shared.hpp"
#include "actors/ipvs/member_picker.hpp"
#include "runtime/ipv4_text.hpp"

namespace hamesh::ipvs {
namespace {

using steady = std::chrono::steady_clock;

struct session {
  int fd = -1;  // connected to the real server
  size_t member = 0;
  sockaddr_in client{};
  uint64_t key = 0;
  steady::time_point last_activity;
};

uint64_t key_of(const sockaddr_in& a) {
  return uint64_t(ntohl(a.sin_addr.s_addr)) << 16 | ntohs(a.sin_port);
}

class udp_engine : public forwarder_engine {
 public:
  explicit udp_engine(const forwarder_settings& cfg)
      : cfg_(cfg), picker_(cfg.scheduler, cfg.persistence) {}

  ~udp_engine() override {
    stop_.store(true);
    mailbox_.wake();
    if (thread_.joinable()) thread_.join();
    for (auto& [key, s] : sessions_) ::close(s.fd);
    if (listen_fd_ >= 0) ::close(listen_fd_);
    if (epfd_ >= 0) ::close(epfd_);
  }

  std::string start(const pool_view& pool) override {
    install_counters(std::make_shared<forwarder_counters>(pool.members.size()));
    pool_ = pool;
    picker_.set_pool(pool);
    std::string error;
    listen_fd_ = net::open_listen_socket(SOCK_DGRAM, cfg_.address, cfg_.port, error);
    if (listen_fd_ < 0) return error;
    auto fail = [](const std::string& what) { return what + ": " + std::strerror(errno); };
    epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) return fail("epoll_create1");
    watch(listen_fd_, &listen_marker_);
    watch(mailbox_.wake_fd(), &wake_marker_);
    thread_ = std::thread([this] { run(); });
    return "";
  }

 private:
  void watch(int fd, void* tag) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = tag;
    ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
  }

  void run() {
    std::array<epoll_event, 256> events;
    auto last_sweep = steady::now();
    while (!stop_.load()) {
      int n = ::epoll_wait(epfd_, events.data(), int(events.size()), 100);
      auto now = steady::now();
      for (int i = 0; i < n; ++i) {
        void* tag = events[i].data.ptr;
        if (tag == &wake_marker_) {
          if (auto change = mailbox_.take()) {
            if (change->settings)
              reconfigure(*change->settings, change->pool);
            else
              pool_ = change->pool;
            picker_.set_pool(pool_);
          }
        } else if (tag == &listen_marker_) {
          from_clients(now);
        } else {
          from_real(*static_cast<session*>(tag), now);
        }
      }
      if (now - last_sweep >= std::chrono::milliseconds(100)) {
        sweep(now);
        last_sweep = now;
      }
    }
  }

  // New settings and pool from a reload: sessions follow their real server to its new index;
  // those of a removed one end now (UDP has no connection to let finish).
  void reconfigure(const forwarder_settings& settings, const pool_view& pool) {
    auto remap = remap_members(pool_, pool);
    auto fresh = std::make_shared<forwarder_counters>(pool.members.size());
    fresh->carry_over(*counters_, remap);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      auto& m = it->second.member;
      if (m < remap.size() && remap[m] != size_t(-1)) {
        m = remap[m];
        ++it;
        continue;
      }
      ::close(it->second.fd);
      fresh->sub(fresh->at(fresh->retired()).inactive);
      fresh->sub(fresh->open);
      it = sessions_.erase(it);
    }
    auto address = cfg_.address;
    auto port = cfg_.port;
    cfg_ = settings;
    cfg_.address = address;
    cfg_.port = port;
    pool_ = pool;
    picker_ = member_picker(cfg_.scheduler, cfg_.persistence);
    picker_.set_pool(pool_);
    for (auto& [key, session] : sessions_) picker_.opened(session.member);
    install_counters(std::move(fresh));
  }

  void from_clients(steady::time_point now) {
    for (;;) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      auto n = ::recvfrom(listen_fd_, buffer_.data(), buffer_.size(), 0,
                          reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) return;
      auto key = key_of(from);
      auto it = sessions_.find(key);
      if (it == sessions_.end()) {
        // A stopping service answers its existing sessions only.
        if (!accepting_.load() ||
            (cfg_.max_connections != 0 && sessions_.size() >= cfg_.max_connections)) {
          counters_->add(accepting_.load() ? counters_->over_limit : counters_->no_server);
          continue;
        }
        it = open_session(from, key, now);
        if (it == sessions_.end()) continue;
      }
      auto& s = it->second;
      s.last_activity = now;
      if (::send(s.fd, buffer_.data(), size_t(n), 0) == n)
        counters_->add(counters_->at(s.member).bytes_in, uint64_t(n));
    }
  }

  std::map<uint64_t, session>::iterator open_session(const sockaddr_in& from, uint64_t key,
                                                     steady::time_point now) {
    auto m = picker_.pick({ntohl(from.sin_addr.s_addr), ntohs(from.sin_port)}, now);
    if (!m) {
      counters_->add(counters_->no_server);
      return sessions_.end();
    }
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(pool_.members[*m].address);
    to.sin_port = htons(pool_.members[*m].port);
    auto& mc = counters_->at(*m);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) {
      if (fd >= 0) ::close(fd);
      counters_->add(mc.connect_errors);
      return sessions_.end();
    }
    auto [it, fresh] = sessions_.emplace(key, session{fd, *m, from, key, now});
    watch(fd, &it->second);
    picker_.opened(*m);
    counters_->add(counters_->accepted);
    counters_->add(counters_->open);
    counters_->add(mc.connections);
    counters_->add(mc.inactive);
    return it;
  }

  void from_real(session& s, steady::time_point now) {
    for (;;) {
      auto n = ::recv(s.fd, buffer_.data(), buffer_.size(), 0);
      if (n < 0) {
        // ECONNREFUSED: an ICMP port unreachable from the real server; the session stays
        // (the next datagram may find it back), the error is counted.
        if (errno == ECONNREFUSED) counters_->add(counters_->at(s.member).connect_errors);
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED) return;
        return;
      }
      s.last_activity = now;
      if (::sendto(listen_fd_, buffer_.data(), size_t(n), 0,
                   reinterpret_cast<const sockaddr*>(&s.client), sizeof s.client) == n)
        counters_->add(counters_->at(s.member).bytes_out, uint64_t(n));
    }
  }

  void sweep(steady::time_point now) {
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (now - it->second.last_activity < cfg_.idle_timeout) {
        ++it;
        continue;
      }
      ::close(it->second.fd);
      if (it->second.member < pool_.members.size()) picker_.closed(it->second.member, false);
      counters_->sub(counters_->at(it->second.member).inactive);
      counters_->sub(counters_->open);
      it = sessions_.erase(it);
    }
    picker_.expire(now);
  }

  forwarder_settings cfg_;
  member_picker picker_;
  pool_view pool_;
  int epfd_ = -1;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::map<uint64_t, session> sessions_;  // node-based: epoll keeps pointers to sessions
  std::array<char, 65536> buffer_;
  char listen_marker_ = 0;
  char wake_marker_ = 0;
};

}  // namespace

std::unique_ptr<data_plane> make_udp_forwarder(const forwarder_settings& settings) {
  return std::make_unique<forwarder_plane>(std::make_unique<udp_engine>(settings));
}

}  // namespace hamesh::ipvs
