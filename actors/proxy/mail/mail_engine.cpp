#include "actors/proxy/mail/mail_engine.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <exception>

#include "actors/proxy/mail/mail_engine_impl.hpp"
#include "runtime/net/listen_socket.hpp"

namespace hamesh::proxy::mail {
namespace {

constexpr auto sweep_every = std::chrono::milliseconds(20);
constexpr size_t read_chunk = 16 * 1024;

std::vector<size_t> members_per_pair(const mail_engine_settings& s) {
  std::vector<size_t> sizes;
  for (const auto& p : s.pairs) sizes.push_back(p.members.size());
  return sizes;
}

std::vector<std::string> pair_names(const mail_engine_settings& s) {
  std::vector<std::string> names;
  for (const auto& p : s.pairs) names.push_back(p.name);
  return names;
}

// A client that vanishes without a FIN (a laptop closed mid-IDLE) is found by the kernel
// after ~10 minutes instead of never: proxied sessions have no timeout of their own.
void keep_alive(int fd) {
  int one = 1, idle = 300, interval = 60, count = 5;
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace

mail_engine::impl::impl(mail_engine_settings settings)
    : settings_(std::move(settings)),
      counters_(members_per_pair(settings_)),
      directory_(settings_.directory, pair_names(settings_)) {
  for (const auto& p : settings_.pairs) members_.emplace_back(p.members.size());
  // What the state machines offer follows the listener's TLS mode.
  settings_.prelogin.tls_available = settings_.tls_mode == mail_tls_mode::starttls;
  settings_.prelogin.tls_active = settings_.tls_mode == mail_tls_mode::implicit;
}

mail_engine::impl::~impl() {
  stop_.store(true);
  wake();
  if (thread_.joinable()) thread_.join();
  for (auto& c : clients_)
    if (c.fd >= 0) ::close(c.fd);
  for (auto& b : backends_)
    if (b.fd >= 0) ::close(b.fd);
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (epfd_ >= 0) ::close(epfd_);
}

std::string mail_engine::impl::start(int inherited_listener) {
  if (!wake_.ok()) return "eventfd failed";
  if (settings_.tls_mode != mail_tls_mode::none && !settings_.tls)
    return "TLS mode without a certificate";
  std::string error;
  uint16_t bound = 0;
  listen_fd_ =
      net::listen_or_inherit(inherited_listener, settings_.address, settings_.port, bound, error);
  if (listen_fd_ < 0) return error;
  listen_socket_.store(listen_fd_);
  port_.store(bound);
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) return std::string("epoll_create1: ") + std::strerror(errno);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the listener
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  ev.data.ptr = &wake_;
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, wake_.fd(), &ev);
  thread_ = std::thread([this] { run(); });
  return "";
}

void mail_engine::impl::watch(int fd, mail_endpoint* tag) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = tag;
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
}

void mail_engine::impl::run() {
  std::array<epoll_event, 256> events;
  auto last_sweep = steady::now();
  while (!stop_.load()) {
    int n = ::epoll_wait(epfd_, events.data(), int(events.size()), int(sweep_every.count()));
    now_ = steady::now();
    for (int i = 0; i < n; ++i) {
      void* tag = events[i].data.ptr;
      uint32_t what = events[i].events;
      if (tag == nullptr) {
        accept_all();
      } else if (tag == &wake_) {
        on_wake();
      } else {
        auto* e = static_cast<mail_endpoint*>(tag);
        if (e->dead) continue;
        if (what & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) e->readable = true;
        if (e->what == mail_endpoint::kind::backend && (what & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
          static_cast<mail_backend*>(e)->connect_event = true;
        mark_ready(*e);
      }
    }
    process_ready();
    if (now_ - last_sweep >= sweep_every) {
      sweep();
      process_ready();
      last_sweep = now_;
    }
    bury();
  }
}

void mail_engine::impl::mark_ready(mail_endpoint& e) {
  if (e.queued || e.dead) return;
  e.queued = true;
  ready_.push_back(&e);
}

void mail_engine::impl::process_ready() {
  for (size_t i = 0; i < ready_.size(); ++i) {
    auto* e = ready_[i];
    e->queued = false;
    if (e->dead) continue;
    // A handler that throws costs its connection (both sides), never the engine.
    try {
      if (e->what == mail_endpoint::kind::client)
        pump_client(static_cast<mail_client&>(*e));
      else
        pump_backend(static_cast<mail_backend&>(*e));
    } catch (const std::exception&) {
      mail_engine_counters::add(counters_.handler_failures);
      if (e->what == mail_endpoint::kind::client) {
        close_client(static_cast<mail_client&>(*e));
      } else {
        auto& b = static_cast<mail_backend&>(*e);
        auto* c = b.client;
        close_backend(b);
        if (c) close_client(*c);
      }
    }
  }
  ready_.clear();
}

void mail_engine::impl::accept_all() {
  while (listen_fd_ >= 0) {
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (net::out_of_descriptors(errno)) {
        // Out of descriptors: stop listening for a moment rather than spin on the backlog.
        epoll_event ev{};
        ev.data.ptr = nullptr;
        ::epoll_ctl(epfd_, EPOLL_CTL_MOD, listen_fd_, &ev);
        starved_until_ = now_ + std::chrono::milliseconds(100);
      }
      return;
    }
    mail_engine_counters::add(counters_.accepted);
    mail_engine_counters::add(counters_.open);
    clients_.emplace_back();
    auto& c = clients_.back();
    c.self = std::prev(clients_.end());
    c.fd = fd;
    c.id = next_id_++;
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &peer.sin_addr, text, sizeof text);
    c.ip = text;
    c.port = ntohs(peer.sin_port);
    sockaddr_in local{};
    len = sizeof local;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
    ::inet_ntop(AF_INET, &local.sin_addr, text, sizeof text);
    c.local_ip = text;
    c.local_port = ntohs(local.sin_port);
    c.accepted_at = c.last_progress = now_;
    keep_alive(fd);
    if (settings_.protocol == mail_protocol::imap)
      c.imap = std::make_unique<imap_prelogin>(settings_.prelogin, settings_.limits);
    else
      c.pop3 = std::make_unique<pop3_prelogin>(settings_.prelogin, settings_.limits);
    mail_engine_counters::add(counters_.prelogin);
    if (settings_.tls_mode == mail_tls_mode::implicit) {
      c.tls = std::make_unique<net::tls_session>(settings_.tls, fd);
      c.state = mail_client::phase::handshake;  // the greeting comes after it
    } else {
      greet(c);
    }
    watch(fd, &c);
  }
}

void mail_engine::impl::on_wake() {
  wake_.clear();
  std::vector<member_verdict> verdicts;
  {
    std::lock_guard<std::mutex> lock(commands_mutex_);
    verdicts.swap(commands_);
  }
  for (const auto& v : verdicts) {
    members_[v.pair][v.member].probed_up = v.up;
    publish_up(v.pair, v.member);
  }
  if (draining_requested_.load() && !draining_) {
    draining_ = true;
    if (listen_fd_ >= 0) {
      listen_socket_.store(-1);
      // Explicitly: a successor's duplicate keeps the socket open, and epoll forgets a
      // descriptor only when the last one referring to it closes.
      ::epoll_ctl(epfd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
      ::close(listen_fd_);
      listen_fd_ = -1;
    }
  }
}

bool mail_engine::impl::eligible(size_t pair, size_t member) const {
  const auto& m = members_[pair][member];
  return m.probed_up && now_ >= m.down_until;
}

void mail_engine::impl::publish_up(size_t pair, size_t member) {
  counters_.member(pair, member).up.store(eligible(pair, member), std::memory_order_relaxed);
}

void mail_engine::impl::sweep() {
  using phase = mail_client::phase;
  for (auto& b : backends_)
    if (!b.dead && !b.logged_in && b.client && now_ >= b.deadline) member_failed(b, b.connecting);
  for (auto& c : clients_) {
    if (c.dead) continue;
    switch (c.state) {
      case phase::handshake:
      case phase::prelogin:
      case phase::logging_in:
        if (now_ - c.accepted_at >= settings_.login_timeout) login_expired(c);
        break;
      case phase::delayed:
        if (now_ >= c.held_until) {
          set_phase(c, phase::prelogin);
          if (act(c, std::move(c.held))) feed_prelogin(c);
          mark_ready(c);
        }
        break;
      case phase::closing:
        if (now_ - c.last_progress >= std::chrono::seconds(10)) close_client(c);
        break;
      case phase::lingering:
        if (now_ >= c.linger_deadline) close_client(c);
        break;
      case phase::proxying:
        break;
    }
    // Draining: nobody waits for a login that has not started.
    if (!c.dead && draining_ && close_prelogin_on_drain_.load() &&
        (c.state == phase::prelogin || c.state == phase::handshake))
      close_client(c);
  }
  for (size_t p = 0; p < members_.size(); ++p)
    for (size_t m = 0; m < members_[p].size(); ++m) publish_up(p, m);
  if (starved_until_ && now_ >= *starved_until_) {
    starved_until_.reset();
    if (listen_fd_ >= 0) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = nullptr;
      ::epoll_ctl(epfd_, EPOLL_CTL_MOD, listen_fd_, &ev);
    }
  }
}

void mail_engine::impl::bury() {
  for (auto it : dead_clients_) clients_.erase(it);
  dead_clients_.clear();
  for (auto it : dead_backends_) backends_.erase(it);
  dead_backends_.clear();
}

mail_engine::impl::read_result mail_engine::impl::read_into(mail_endpoint& e, size_t limit) {
  char buf[read_chunk];
  auto* tls =
      e.what == mail_endpoint::kind::client ? static_cast<mail_client&>(e).tls.get() : nullptr;
  bool any = false;
  while (e.in.size() < limit) {
    size_t want = std::min(sizeof buf, limit - e.in.size());
    size_t got = 0;
    if (tls) {
      using s = net::tls_session::status;
      switch (tls->read(buf, want, got)) {
        case s::ok:
          break;
        case s::want_read:
          e.readable = false;
          return any ? read_result::some : read_result::drained;
        case s::want_write:
          return any ? read_result::some : read_result::blocked;
        case s::closed:
          e.readable = false;
          e.eof = true;
          return read_result::eof;
        case s::failed:
          return read_result::failed;
      }
    } else {
      ssize_t n = ::recv(e.fd, buf, want, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        e.readable = false;
        return any ? read_result::some : read_result::drained;
      }
      if (n < 0) return read_result::failed;
      if (n == 0) {
        e.readable = false;
        e.eof = true;
        return read_result::eof;
      }
      got = size_t(n);
    }
    e.in.append(buf, got);
    any = true;
    if (e.what == mail_endpoint::kind::client)
      mail_engine_counters::add(counters_.bytes_in, uint64_t(got));
  }
  return read_result::some;  // the limit: `readable` stays set, the rest waits
}

bool mail_engine::impl::flush(mail_endpoint& e) {
  auto* tls =
      e.what == mail_endpoint::kind::client ? static_cast<mail_client&>(e).tls.get() : nullptr;
  if (tls && !tls->established()) return true;  // nothing goes out before the handshake
  while (e.out_off < e.out.size()) {
    size_t n = 0;
    if (tls) {
      using s = net::tls_session::status;
      auto r = tls->write(e.out.data() + e.out_off, e.out.size() - e.out_off, n);
      if (r == s::want_read || r == s::want_write) break;
      if (r != s::ok) return false;
    } else {
      ssize_t sent = ::send(e.fd, e.out.data() + e.out_off, e.out.size() - e.out_off, MSG_NOSIGNAL);
      if (sent < 0 && errno == EINTR) continue;
      if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (sent < 0) return false;
      n = size_t(sent);
    }
    e.out_off += n;
    if (e.what == mail_endpoint::kind::client)
      mail_engine_counters::add(counters_.bytes_out, uint64_t(n));
  }
  if (e.out_off == e.out.size()) {
    // An idle connection keeps no buffer.
    std::string().swap(e.out);
    e.out_off = 0;
  } else if (e.out_off >= 64 * 1024) {
    e.out.erase(0, e.out_off);
    e.out_off = 0;
  }
  return true;
}

void mail_engine::impl::set_phase(mail_client& c, mail_client::phase p) {
  using phase = mail_client::phase;
  auto gauge = [this](phase s) -> std::atomic<uint64_t>* {
    switch (s) {
      case phase::handshake:
      case phase::prelogin:
      case phase::delayed:
        return &counters_.prelogin;
      case phase::logging_in:
        return &counters_.logging_in;
      case phase::proxying:
        return &counters_.proxying;
      default:
        return nullptr;
    }
  };
  auto* from = gauge(c.state);
  auto* to = gauge(p);
  if (from != to) {
    if (from) mail_engine_counters::sub(*from);
    if (to) mail_engine_counters::add(*to);
  }
  c.state = p;
}

void mail_engine::impl::close_client(mail_client& c) {
  if (c.dead) return;
  if (c.backend) close_backend(*c.backend);
  set_phase(c, mail_client::phase::closing);  // leaves the state gauges
  c.login.reset();
  ::close(c.fd);
  c.fd = -1;
  c.dead = true;
  mail_engine_counters::sub(counters_.open);
  dead_clients_.push_back(c.self);
}

void mail_engine::impl::close_backend(mail_backend& b) {
  if (b.dead) return;
  if (b.logged_in) mail_engine_counters::sub(counters_.member(b.pair, b.member).sessions);
  if (b.client) {
    b.client->backend = nullptr;
    b.client = nullptr;
  }
  ::close(b.fd);
  b.fd = -1;
  b.dead = true;
  dead_backends_.push_back(b.self);
}

mail_engine::mail_engine(mail_engine_settings settings)
    : impl_(std::make_unique<impl>(std::move(settings))) {}

mail_engine::~mail_engine() = default;

std::string mail_engine::start(int inherited_listener) {
  return impl_->start(inherited_listener);
}

int mail_engine::listen_socket() const {
  return impl_->listen_socket_.load();
}

uint16_t mail_engine::port() const {
  return impl_->port_.load();
}

bool mail_engine::set_member_up(size_t pair, size_t member, bool up) {
  if (pair >= impl_->settings_.pairs.size() ||
      member >= impl_->settings_.pairs[pair].members.size())
    return false;
  {
    std::lock_guard<std::mutex> lock(impl_->commands_mutex_);
    impl_->commands_.push_back({pair, member, up});
  }
  impl_->wake();
  return true;
}

void mail_engine::stop_accepting(bool close_prelogin) {
  impl_->close_prelogin_on_drain_.store(close_prelogin);
  impl_->draining_requested_.store(true);
  impl_->wake();
}

uint64_t mail_engine::open_connections() const {
  return mail_engine_counters::get(impl_->counters_.open);
}

const mail_engine_counters& mail_engine::counters() const {
  return impl_->counters_;
}

}  // namespace hamesh::proxy::mail
