#include "actors/proxy/http/http_engine.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <exception>

#include "actors/proxy/http/http_engine_impl.hpp"
#include "runtime/net/listen_socket.hpp"

namespace hamesh::proxy::http {
namespace {

constexpr auto sweep_every = std::chrono::milliseconds(20);

std::vector<size_t> servers_per_pool(const http_engine_settings& s) {
  std::vector<size_t> sizes;
  for (const auto& p : s.pools) sizes.push_back(p.servers.size());
  return sizes;
}

}  // namespace

http_engine::impl::impl(http_engine_settings settings)
    : settings_(std::move(settings)), counters_(servers_per_pool(settings_)) {
  for (const auto& p : settings_.pools) {
    pools_.push_back({http_server_picker(p.servers.size(), p.balance,
                                         settings_.failures_to_mark_down, settings_.down_cooldown),
                      std::vector<std::vector<http_backend_conn*>>(p.servers.size())});
  }
}

http_engine::impl::~impl() {
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

std::string http_engine::impl::start(int inherited_listener) {
  for (size_t i = 0; i < settings_.routes.size(); ++i)
    if (pool_index_of(settings_.routes[i].pool) == size_t(-1))
      return "route " + std::to_string(i) + " names unknown pool '" + settings_.routes[i].pool +
             "'";
  if (settings_.default_pool && pool_index_of(*settings_.default_pool) == size_t(-1))
    return "unknown default pool '" + *settings_.default_pool + "'";
  auto built = http_router::make(settings_.routes, settings_.default_pool);
  if (!built.router) return "route " + std::to_string(built.error.rule) + ": " + built.error.text;
  router_ = std::move(built.router);
  if (!wake_.ok()) return "eventfd failed";
  std::string error;
  uint16_t bound = 0;
  listen_fd_ =
      net::listen_or_inherit(inherited_listener, settings_.address, settings_.port, bound, error);
  if (listen_fd_ < 0) return error;
  listen_socket_.store(listen_fd_);
  port_.store(bound);
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) return std::string("epoll_create1: ") + std::strerror(errno);
  watch(listen_fd_, EPOLLIN, &listen_tag_);
  watch(wake_.fd(), EPOLLIN, &wake_tag_);
  thread_ = std::thread([this] { run(); });
  return "";
}

size_t http_engine::impl::pool_index_of(std::string_view name) const {
  for (size_t i = 0; i < settings_.pools.size(); ++i)
    if (settings_.pools[i].name == name) return i;
  return size_t(-1);
}

void http_engine::impl::watch(int fd, uint32_t events, http_endpoint* tag) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = tag;
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
}

void http_engine::impl::run() {
  std::array<epoll_event, 256> events;
  auto last_sweep = steady::now();
  while (!stop_.load()) {
    int n = ::epoll_wait(epfd_, events.data(), int(events.size()), int(sweep_every.count()));
    now_ = steady::now();
    for (int i = 0; i < n; ++i) {
      auto* e = static_cast<http_endpoint*>(events[i].data.ptr);
      uint32_t what = events[i].events;
      if (e == &wake_tag_) {
        on_wake();
      } else if (e == &listen_tag_) {
        accept_all();
      } else if (!e->dead) {
        if (what & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) e->readable = true;
        if (e->what == http_endpoint::kind::backend && (what & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
          static_cast<http_backend_conn*>(e)->connect_event = true;
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

void http_engine::impl::mark_ready(http_endpoint& e) {
  if (e.queued || e.dead) return;
  e.queued = true;
  ready_.push_back(&e);
}

void http_engine::impl::process_ready() {
  // Pumping one side may make the other ready: the list grows while it is walked.
  for (size_t i = 0; i < ready_.size(); ++i) {
    auto* e = ready_[i];
    e->queued = false;
    if (!e->dead) pump(*e);
  }
  ready_.clear();
}

// A handler that throws costs its connection (both sides), never the engine thread.
void http_engine::impl::pump(http_endpoint& e) {
  // The client a backend serves, taken before the handler runs: a throw after the response
  // ended (the access log) finds b.client already cleared. Closed clients are freed only at
  // the end of the loop's round, so the pointer stays valid here.
  http_client_conn* served =
      e.what == http_endpoint::kind::backend ? static_cast<http_backend_conn&>(e).client : nullptr;
  try {
    if (e.what == http_endpoint::kind::client)
      pump_client(static_cast<http_client_conn&>(e));
    else
      pump_backend(static_cast<http_backend_conn&>(e));
  } catch (const std::exception&) {
    http_engine_counters::add(counters_.handler_failures);
    if (e.what == http_endpoint::kind::client) {
      close_client(static_cast<http_client_conn&>(e));
    } else {
      auto& b = static_cast<http_backend_conn&>(e);
      auto* c = b.client ? b.client : served;
      close_backend(b);
      if (c) close_client(*c);
    }
  }
}

void http_engine::impl::accept_all() {
  while (listen_fd_ >= 0) {
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (net::out_of_descriptors(errno)) {
        // Out of descriptors: the connection stays in the backlog and the (level-triggered)
        // listener would wake us at once, forever. Listen again after a pause.
        epoll_event ev{};
        ev.data.ptr = &listen_tag_;
        ::epoll_ctl(epfd_, EPOLL_CTL_MOD, listen_fd_, &ev);
        starved_until_ = now_ + std::chrono::milliseconds(100);
      }
      return;  // EAGAIN: all taken
    }
    http_engine_counters::add(counters_.accepted);
    http_engine_counters::add(counters_.open);
    clients_.emplace_back(settings_.limits);
    auto& c = clients_.back();
    c.self = std::prev(clients_.end());
    c.fd = fd;
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &peer.sin_addr, text, sizeof text);
    c.ip = text;
    c.accepted_at = c.idle_since = c.last_progress = now_;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (settings_.tls) c.tls = std::make_unique<net::tls_session>(settings_.tls, fd);
    watch(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &c);
  }
}

void http_engine::impl::on_wake() {
  wake_.clear();
  std::vector<server_verdict> verdicts;
  {
    std::lock_guard<std::mutex> lock(commands_mutex_);
    verdicts.swap(commands_);
  }
  for (const auto& v : verdicts) {
    pools_[v.pool].picker.set_probed_up(v.server, v.up);
    publish_up(v.pool, v.server);
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
    // Idle keep-alive clients go now; the sweep takes later ones. A client accepted but not
    // heard from yet stays: its first request is answered (with Connection: close).
    if (close_idle_on_drain_.load())
      for (auto& c : clients_)
        if (!c.dead && c.state == http_client_conn::phase::waiting_head && !c.first_request &&
            !c.head_since && c.in_off == c.in.size())
          close_client(c);
  }
}

void http_engine::impl::publish_up(size_t pool, size_t server) {
  counters_.server(pool, server)
      .up.store(pools_[pool].picker.eligible(server, now_), std::memory_order_relaxed);
}

void http_engine::impl::sweep() {
  using phase = http_client_conn::phase;
  for (auto& b : backends_) {
    if (b.dead || now_ < b.deadline) continue;
    if (b.connecting) {
      request_failed(b, failure::connect);
    } else if (b.tunnel && b.client) {
      auto& c = *b.client;  // idle both ways for tunnel_idle_timeout
      close_backend(b);
      close_client(c);
    } else if (b.client) {
      // A client that does not read holds the response back: not the backend's fault.
      if (b.paused) {
        b.deadline = now_ + settings_.backend_response_timeout;
        continue;
      }
      request_failed(b, failure::timeout);
    }
  }
  for (auto& c : clients_) {
    if (c.dead) continue;
    switch (c.state) {
      case phase::waiting_head: {
        bool started = c.head_since || c.in_off < c.in.size();
        if (c.tls && !c.tls->established()) {
          if (now_ - c.accepted_at >= settings_.request_head_timeout) {
            http_engine_counters::add(counters_.tls_failures);  // a handshake that never ends
            close_client(c);
          }
        } else if (c.first_request || started) {
          auto since = c.head_since ? *c.head_since : c.accepted_at;
          if (now_ - since >= settings_.request_head_timeout) {
            http_engine_counters::add(counters_.request_timeout);
            reply(c, 408);
            mark_ready(c);
          }
        } else if ((draining_ && close_idle_on_drain_.load()) ||
                   now_ - c.idle_since >= settings_.client_idle_timeout) {
          close_client(c);
        }
        break;
      }
      case phase::closing:
        if (now_ - c.last_progress >= settings_.client_idle_timeout) close_client(c);
        break;
      case phase::lingering:
        if (now_ >= c.linger_deadline) close_client(c);
        break;
      default:
        break;
    }
  }
  for (size_t p = 0; p < pools_.size(); ++p)
    for (size_t s = 0; s < pools_[p].picker.size(); ++s) publish_up(p, s);
  if (starved_until_ && now_ >= *starved_until_) {
    starved_until_.reset();
    if (listen_fd_ >= 0) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = &listen_tag_;
      ::epoll_ctl(epfd_, EPOLL_CTL_MOD, listen_fd_, &ev);
    }
  }
}

void http_engine::impl::bury() {
  for (auto it : dead_clients_) clients_.erase(it);
  dead_clients_.clear();
  for (auto it : dead_backends_) backends_.erase(it);
  dead_backends_.clear();
}

bool http_engine::impl::flush(http_endpoint& e, bool to_client) {
  auto* tls = to_client ? static_cast<http_client_conn&>(e).tls.get() : nullptr;
  while (tls && e.out_off < e.out.size()) {
    using s = net::tls_session::status;
    size_t n = 0;
    auto r = tls->write(e.out.data() + e.out_off, e.out.size() - e.out_off, n);
    if (r == s::ok) {
      e.out_off += n;
      http_engine_counters::add(counters_.bytes_out, uint64_t(n));
      continue;
    }
    if (r == s::want_read || r == s::want_write) break;
    return false;
  }
  while (!tls && e.out_off < e.out.size()) {
    ssize_t n = ::send(e.fd, e.out.data() + e.out_off, e.out.size() - e.out_off, MSG_NOSIGNAL);
    if (n > 0) {
      e.out_off += size_t(n);
      if (to_client) http_engine_counters::add(counters_.bytes_out, uint64_t(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return false;
  }
  if (e.out_off == e.out.size()) {
    e.out.clear();
    e.out_off = 0;
  } else if (e.out_off >= 64 * 1024) {
    e.out.erase(0, e.out_off);
    e.out_off = 0;
  }
  return true;
}

http_engine::http_engine(http_engine_settings settings)
    : impl_(std::make_unique<impl>(std::move(settings))) {}

http_engine::~http_engine() = default;

std::string http_engine::start(int inherited_listener) {
  return impl_->start(inherited_listener);
}

int http_engine::listen_socket() const {
  return impl_->listen_socket_.load();
}

uint16_t http_engine::port() const {
  return impl_->port_.load();
}

bool http_engine::set_server_up(std::string_view pool, size_t server, bool up) {
  size_t p = impl_->pool_index_of(pool);  // settings never change after construction
  if (p == size_t(-1) || server >= impl_->settings_.pools[p].servers.size()) return false;
  {
    std::lock_guard<std::mutex> lock(impl_->commands_mutex_);
    impl_->commands_.push_back({p, server, up});
  }
  impl_->wake();
  return true;
}

void http_engine::stop_accepting(bool close_idle) {
  impl_->close_idle_on_drain_.store(close_idle);
  impl_->draining_requested_.store(true);
  impl_->wake();
}

uint64_t http_engine::open_connections() const {
  return http_engine_counters::get(impl_->counters_.open);
}

const http_engine_counters& http_engine::counters() const {
  return impl_->counters_;
}

size_t http_engine::pool_index(std::string_view pool) const {
  return impl_->pool_index_of(pool);
}

}  // namespace hamesh::proxy::http
