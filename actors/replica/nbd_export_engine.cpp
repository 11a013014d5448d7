#include "actors/replica/nbd_export_engine.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <exception>

#include "actors/replica/nbd_export_engine_impl.hpp"
#include "runtime/net/listen_socket.hpp"

namespace hamesh::replica {

nbd_export_engine::impl::impl(nbd_export_settings settings, block_device& device)
    : settings_(std::move(settings)), device_(device) {
  read_only_.store(settings_.read_only);
  applied_read_only_ = settings_.read_only;
  scratch_.resize(settings_.read_chunk ? settings_.read_chunk : 64 * 1024);
}

nbd_export_engine::impl::~impl() {
  stop();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (epfd_ >= 0) ::close(epfd_);
}

std::string nbd_export_engine::impl::start() {
  if (thread_.joinable() || epfd_ >= 0) return "already started";
  if (auto e = open(); !e.empty()) return e;
  thread_ = std::thread([this] { run(); });
  return "";
}

std::string nbd_export_engine::impl::attach() {
  if (thread_.joinable() || epfd_ >= 0) return "already started";
  embedded_ = true;
  return open();
}

std::string nbd_export_engine::impl::open() {
  if (!wake_.ok()) return std::string("eventfd: ") + std::strerror(errno);
  if (settings_.name.size() > 4096) return "export name over 4096 bytes (NBD's string limit)";
  std::string error;
  uint16_t bound = 0;
  listen_fd_ = net::listen_or_inherit(-1, settings_.address, settings_.port, bound, error);
  if (listen_fd_ < 0) return error;
  port_.store(bound);
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) return std::string("epoll_create1: ") + std::strerror(errno);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the listener
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  ev.data.ptr = &wake_;
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, wake_.fd(), &ev);
  std::lock_guard<std::mutex> lock(read_only_mutex_);
  running_ = true;
  return "";
}

void nbd_export_engine::impl::stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  wake();
  thread_.join();
}

void nbd_export_engine::impl::set_read_only(bool read_only) {
  read_only_.store(read_only);
  // On the engine's own thread (a device completing inside submit(); embedded, the loop's
  // thread is the only caller): the sessions are told now, before another request is parsed.
  if (embedded_ || engine_thread_.load() == std::this_thread::get_id()) return apply_read_only();
  std::unique_lock<std::mutex> lock(read_only_mutex_);
  if (!running_) return;
  uint64_t generation = ++read_only_wanted_;
  lock.unlock();
  wake();
  lock.lock();
  read_only_applied_.wait(lock,
                          [&] { return !running_ || read_only_applied_generation_ >= generation; });
}

void nbd_export_engine::impl::on_block_completion(block_completion done) {
  {
    std::lock_guard<std::mutex> lock(completions_mutex_);
    completions_.push_back(std::move(done));
  }
  // A synchronous device completes inside submit(), on the engine thread, which drains the
  // queue before it sleeps again: no system call for it.
  if (engine_thread_.load(std::memory_order_relaxed) != std::this_thread::get_id()) wake();
}

void nbd_export_engine::impl::run() {
  engine_thread_.store(std::this_thread::get_id());
  std::array<epoll_event, 256> events;
  while (!stop_.load()) {
    int n = ::epoll_wait(epfd_, events.data(), int(events.size()), -1);
    dispatch(events.data(), n);
    settle();
  }
  shut_down();
}

void nbd_export_engine::impl::dispatch(const epoll_event* events, int n) {
  for (int i = 0; i < n; ++i) {
    void* tag = events[i].data.ptr;
    if (tag == nullptr) {
      accept_all();
    } else if (tag == &wake_) {
      on_wake();
    } else {
      auto* c = static_cast<nbd_connection*>(tag);
      if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) c->readable = true;
      mark_ready(*c);
    }
  }
}

void nbd_export_engine::impl::poll() {
  engine_thread_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  std::array<epoll_event, 64> events;
  int n = ::epoll_wait(epfd_, events.data(), int(events.size()), 0);
  dispatch(events.data(), n);
  settle();
}

bool nbd_export_engine::impl::deliver() {
  {
    std::lock_guard<std::mutex> lock(completions_mutex_);
    if (completions_.empty()) return false;
  }
  settle();
  return true;
}

void nbd_export_engine::impl::detach() {
  if (!embedded_ || epfd_ < 0 || stopping_) return;
  stop_.store(true);
  shut_down();
}

void nbd_export_engine::impl::apply_read_only() {
  bool read_only = read_only_.load();
  if (read_only == applied_read_only_) return;
  for (auto& [id, c] : connections_) c->session->set_read_only(read_only);
  applied_read_only_ = read_only;
}

void nbd_export_engine::impl::settle() {
  // Pumping submits requests; a synchronous device completes them at once, and completions
  // make connections ready again: go round until both are quiet.
  do {
    for (size_t i = 0; i < ready_.size(); ++i) {
      nbd_connection* c = ready_[i];
      c->queued = false;
      // A handler that throws (out of memory) costs its connection, never the engine.
      try {
        pump(*c);
      } catch (const std::exception&) {
        close_socket(*c);
      }
    }
    ready_.clear();
  } while (drain_completions() || !ready_.empty());
  bury();
}

void nbd_export_engine::impl::mark_ready(nbd_connection& c) {
  if (c.queued) return;
  c.queued = true;
  ready_.push_back(&c);
}

void nbd_export_engine::impl::on_wake() {
  wake_.clear();
  // Completions wake the loop too: the sessions are walked only when the switch moved.
  apply_read_only();
  std::lock_guard<std::mutex> lock(read_only_mutex_);
  read_only_applied_generation_ = read_only_wanted_;
  read_only_applied_.notify_all();
}

void nbd_export_engine::impl::accept_all() {
  while (listen_fd_ >= 0) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (net::out_of_descriptors(errno)) {
        // Out of descriptors: the level-triggered listener would spin. Paused until a
        // connection closes (bury()).
        epoll_event ev{};
        ev.data.ptr = nullptr;
        ::epoll_ctl(epfd_, EPOLL_CTL_MOD, listen_fd_, &ev);
        listener_paused_ = true;
      }
      return;
    }
    nbd_export_counters::add(counters_.connections_accepted);
    if (connections_.size() >= settings_.max_connections) {
      nbd_export_counters::add(counters_.connections_refused);
      ::close(fd);
      continue;
    }
    // Requests are small and latency is the product: no Nagle delay on replies.
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto c = std::make_unique<nbd_connection>();
    c->id = next_connection_++;
    c->fd = fd;
    nbd_export_info info{settings_.name, settings_.description, device_.info()};
    c->session = std::make_unique<nbd_server_session>(std::move(info), settings_.limits, c->out);
    c->session->set_read_only(read_only_.load());
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = c.get();
    ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
    nbd_export_counters::add(counters_.connections_open);
    mark_ready(*c);
    connections_.emplace(c->id, std::move(c));
  }
}

void nbd_export_engine::impl::submit(nbd_connection& c, block_request request) {
  uint64_t id = next_request_++;
  routes_.emplace(id, route{c.id, request.id, request.op, request.length});
  request.id = id;
  ++c.device_inflight;
  nbd_export_counters::add(counters_.device_inflight);
  try {
    device_.submit(std::move(request), *this);
  } catch (...) {
    // Not submitted after all: nothing will complete it. (If it completed before throwing,
    // the route is gone already and the completion is dropped as unknown.)
    if (routes_.erase(id)) {
      --c.device_inflight;
      nbd_export_counters::sub(counters_.device_inflight);
    }
    throw;
  }
}

bool nbd_export_engine::impl::drain_completions() {
  draining_.clear();
  {
    std::lock_guard<std::mutex> lock(completions_mutex_);
    draining_.swap(completions_);
  }
  for (auto& done : draining_) {
    auto r = routes_.find(done.id);
    if (r == routes_.end()) continue;
    route where = r->second;
    routes_.erase(r);
    nbd_export_counters::sub(counters_.device_inflight);
    auto c = connections_.find(where.connection);
    if (c == connections_.end()) continue;
    nbd_connection& conn = *c->second;
    --conn.device_inflight;
    if (done.status == block_status::ok) {
      if (where.op == block_op::read)
        nbd_export_counters::add(counters_.bytes_read, done.data.size());
      if (where.op == block_op::write)
        nbd_export_counters::add(counters_.bytes_written, where.length);
    }
    conn.session->on_completion(where.session_id, done.status, done.data, conn.out);
    mark_ready(conn);
  }
  return !draining_.empty();
}

void nbd_export_engine::impl::bury() {
  for (auto it = connections_.begin(); it != connections_.end();) {
    nbd_connection& c = *it->second;
    if (c.fd < 0 && c.device_inflight == 0 && !c.queued) {
      report(c);
      it = connections_.erase(it);
      if (listener_paused_ && listen_fd_ >= 0) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = nullptr;
        ::epoll_ctl(epfd_, EPOLL_CTL_MOD, listen_fd_, &ev);
        listener_paused_ = false;
      }
    } else {
      ++it;
    }
  }
}

void nbd_export_engine::impl::shut_down() {
  stopping_ = true;
  if (listen_fd_ >= 0) {
    ::epoll_ctl(epfd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  // The device may still hold requests and will call on_block_completion() for each: this
  // object must outlive them (block_device's contract: each one completes).
  auto settle_all = [this] {
    on_wake();
    for (auto& [id, c] : connections_) mark_ready(*c);
    settle();
  };
  std::array<epoll_event, 64> events;
  if (embedded_) {
    settle_all();  // the device is the caller on this thread: it completed what it will
  } else {
    while (!routes_.empty()) {
      ::epoll_wait(epfd_, events.data(), int(events.size()), 100);
      settle_all();
    }
  }
  for (auto& [id, c] : connections_) close_socket(*c);
  connections_.clear();
  std::lock_guard<std::mutex> lock(read_only_mutex_);
  running_ = false;
  read_only_applied_.notify_all();
}

nbd_export_engine::nbd_export_engine(nbd_export_settings settings, block_device& device)
    : impl_(std::make_unique<impl>(std::move(settings), device)) {}
nbd_export_engine::~nbd_export_engine() = default;
std::string nbd_export_engine::start() {
  return impl_->start();
}
void nbd_export_engine::stop() {
  impl_->stop();
}
std::string nbd_export_engine::attach() {
  return impl_->attach();
}
int nbd_export_engine::poll_fd() const {
  return impl_->epfd_;
}
void nbd_export_engine::poll() {
  impl_->poll();
}
bool nbd_export_engine::deliver() {
  return impl_->deliver();
}
void nbd_export_engine::detach() {
  impl_->detach();
}
uint16_t nbd_export_engine::port() const {
  return impl_->port_.load();
}
void nbd_export_engine::set_read_only(bool read_only) {
  impl_->set_read_only(read_only);
}
bool nbd_export_engine::read_only() const {
  return impl_->read_only_.load();
}
uint64_t nbd_export_engine::open_connections() const {
  return nbd_export_counters::get(impl_->counters_.connections_open);
}
const nbd_export_counters& nbd_export_engine::counters() const {
  return impl_->counters_;
}

}  // namespace hamesh::replica
