#include "actors/replica/replica_engine.hpp"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "actors/replica/replica_engine_impl.hpp"
#include "runtime/ipv4_text.hpp"
#include "runtime/net/listen_socket.hpp"

namespace hamesh::replica {
namespace {

// How often the loop looks at pings, timeouts and dials: fine enough for a 100 ms ping and a
// 500 ms peer timeout, coarse enough to cost nothing.
constexpr auto tick = std::chrono::milliseconds(10);

uint64_t wall_clock_ms() {
  return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
}

}  // namespace

const char* to_string(replica_command c) {
  switch (c) {
    case replica_command::promote:
      return "promote";
    case replica_command::force_promote:
      return "promote --force";
    case replica_command::demote:
      return "demote";
    case replica_command::connect:
      return "connect";
    case replica_command::disconnect:
      return "disconnect";
    case replica_command::verify:
      return "verify";
  }
  return "?";
}

replica_engine::impl::impl(replica_engine_settings settings, block_device& outer)
    : settings_(std::move(settings)), outer_(outer) {}

replica_engine::impl::~impl() {
  stop();
  for (int fd : {epfd_, timer_fd_, listen_fd_, peer_fd_})
    if (fd >= 0) ::close(fd);
}

void replica_engine::impl::wake() {
  wake_.wake();
}

void replica_engine::impl::log(int level, const std::string& line) {
  if (settings_.log) settings_.log(level, line);
}

std::string replica_engine::impl::start() {
  auto& v = settings_.volume;
  if (!wake_.ok()) return std::string("eventfd: ") + std::strerror(errno);
  std::string error;
  file_block_device::settings ds;
  ds.path = v.file.string();
  ds.size = v.size;
  ds.direct = v.direct;
  disk_ = file_block_device::open(ds, error);
  if (!disk_) return error;
  if (disk_->info().size != v.size)
    return v.file.string() + " holds " + std::to_string(disk_->info().size) +
           " bytes, the volume is " + std::to_string(v.size);
  store_ = std::make_unique<replica_metadata_store>(v.metadata_file.string());
  auto loaded = store_->load(v.size, v.region_size);
  if (!loaded.error.empty()) return loaded.error;
  fresh_ = loaded.fresh;
  if (!loaded.bitmap.untrusted_because.empty())
    log(1, "dirty bitmap not trusted (" + loaded.bitmap.untrusted_because +
               "): the next resync is a full one");
  replica_settings rs;
  rs.node_name = settings_.node_name;
  rs.volume_name = v.name;
  rs.volume_size = v.size;
  rs.block_size = v.block_size;
  rs.region_size = v.region_size;
  rs.protocol = v.protocol;
  rs.after_split_brain = v.after_split_brain;
  rs.generation_seed =
      (uint64_t(std::random_device{}()) << 32) ^ std::random_device{}() ^ wall_clock_ms();
  std::string why;
  if (rs.validate(&why) != replica_errc::none) return "replica settings: " + why;
  core_.emplace(rs, loaded.metadata, loaded.bitmap);

  uint16_t bound = 0;
  listen_fd_ = net::listen_or_inherit(-1, v.listen_address, v.listen_port, bound, error);
  if (listen_fd_ < 0) return "replication listener: " + error;
  replication_port_.store(bound);

  // The export is always open; it is read-only (and reads are refused) unless this member
  // is primary, as a DRBD secondary cannot be opened.
  nbd_export_settings es;
  es.address = v.export_address;
  es.port = v.export_port;
  es.name = v.export_name;
  es.description = "hamesh replicated volume " + v.name;
  es.read_only = true;
  export_ = std::make_unique<nbd_export_engine>(es, outer_);
  if (auto e = export_->attach(); !e.empty()) return "NBD export: " + e;
  export_fd_ = export_->poll_fd();

  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (epfd_ < 0 || timer_fd_ < 0) return std::string("epoll/timerfd: ") + std::strerror(errno);
  itimerspec its{};
  its.it_interval.tv_nsec = std::chrono::nanoseconds(tick).count();
  its.it_value = its.it_interval;
  ::timerfd_settime(timer_fd_, 0, &its, nullptr);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_.fd();
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, wake_.fd(), &ev);
  ev.data.fd = timer_fd_;
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, timer_fd_, &ev);
  ev.data.fd = listen_fd_;
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  ev.data.fd = export_fd_;
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, export_fd_, &ev);
  counters_.replication_port = replication_port_.load();
  counters_.export_port = export_->port();
  publish_status();
  thread_ = std::thread([this] { run(); });
  return "";
}

void replica_engine::impl::stop() {
  if (!thread_.joinable()) return;
  // The thread detaches the export on its way out, after failing what is in flight.
  stop_.store(true);
  wake();
  thread_.join();
}

void replica_engine::impl::run() {
  loop_thread_.store(std::this_thread::get_id());
  carry_out(core_->start());
  if (fresh_ && settings_.volume.initial_primary) {
    // A brand-new pair: this member's data is the first generation, the peer syncs from it.
    auto init = core_->initialise_as_first_source();
    if (init.error == replica_errc::none) {
      carry_out(std::move(init.actions));
      auto promoted = core_->promote(false, wall_clock_ms());
      if (promoted.error != replica_errc::none)
        log(2, "initial promotion refused: " + promoted.why);
      carry_out(std::move(promoted.actions));
    } else {
      log(2, "cannot initialise as the first sync source: " + init.why);
    }
  }
  carry_out(core_->connect().actions);
  drain();
  epoll_event events[16];
  while (!stop_.load()) {
    int n = ::epoll_wait(epfd_, events, 16, -1);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == wake_.fd()) {
        on_wake();
      } else if (fd == timer_fd_) {
        uint64_t expirations;
        (void)!::read(timer_fd_, &expirations, sizeof expirations);
        on_tick();
      } else if (fd == listen_fd_) {
        on_listener();
      } else if (fd == peer_fd_) {
        on_peer_event(events[i].events);
      } else if (fd == export_fd_) {
        export_->poll();
      }
      // Replies to what completed; the sessions they unblock may parse requests already
      // read (edge-triggered: no new event would come for them): carry those out too.
      do {
        drain();
      } while (export_->deliver());
    }
  }
  // A graceful stop: no longer primary (so the next start is not a crashed primary), a
  // goodbye to the peer, and whatever is still in flight failed, never dropped.
  if (core_->state().role == replica_role::primary) carry_out(core_->demote().actions);
  carry_out(core_->disconnect().actions);
  drain();
  flush_peer();
  close_peer_socket();
  fail_everything(block_status::shutting_down);
  export_->detach();
  loop_thread_.store(std::thread::id{});  // a later thread with this id is not the loop
  publish_status();
  std::lock_guard<std::mutex> lock(inbox_mutex_);
  for (auto& c : commands_) c->reply.set_value({false, "the volume is stopping"});
  commands_.clear();
}

void replica_engine::impl::on_wake() {
  wake_.clear();
  std::vector<submission> subs;
  std::vector<std::shared_ptr<command_message>> cmds;
  {
    std::lock_guard<std::mutex> lock(inbox_mutex_);
    subs.swap(submissions_);
    cmds.swap(commands_);
  }
  for (auto& s : subs) on_submission(std::move(s));
  for (auto& c : cmds) {
    auto result = run_command(c->what);
    drain();
    c->reply.set_value(std::move(result));
  }
}

void replica_engine::impl::on_tick() {
  auto now = steady::now();
  auto& v = settings_.volume;
  if (peer_fd_ >= 0 && !peer_connecting_) {
    if (now - last_heard_ > v.peer_timeout) {
      lose_peer(
          "no frame from the peer for " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::milliseconds>(now - last_heard_).count()) +
          " ms");
    } else if (now >= next_ping_) {
      next_ping_ = now + v.ping_interval;
      carry_out(core_->ping(next_nonce_++));
    }
  } else if (peer_fd_ >= 0 && peer_connecting_ && now >= next_dial_ + v.peer_timeout) {
    close_peer_socket();  // a dial that hangs (SYN to a paused peer)
  }
  maybe_dial();
  publish_status();
}

replica_command_result replica_engine::impl::run_command(replica_command c) {
  command_result r;
  switch (c) {
    case replica_command::promote:
      r = core_->promote(false, wall_clock_ms());
      break;
    case replica_command::force_promote:
      r = core_->promote(true, wall_clock_ms());
      break;
    case replica_command::demote:
      r = core_->demote();
      break;
    case replica_command::connect:
      r = core_->connect();
      break;
    case replica_command::disconnect:
      r = core_->disconnect();
      break;
    case replica_command::verify:
      r = core_->start_verify();
      break;
  }
  replica_command_result out;
  out.ok = r.error == replica_errc::none;
  carry_out(std::move(r.actions));
  if (!out.ok) {
    out.text = std::string(to_string(c)) + " refused: " + r.why + " (" + to_string(r.error) + ")";
    log(1, out.text);
  } else {
    out.text = std::string(to_string(c)) + ": " + to_string(core_->state());
    log(0, "operator: " + out.text);
  }
  return out;
}

void replica_engine::impl::publish_status() {
  auto& s = counters_;
  s.state = core_->state();
  s.peer_role = core_->peer_role();
  s.peer_address = peer_fd_ >= 0 && !peer_connecting_ ? peer_address_ : "";
  s.ids = core_->ids();
  s.dirty_regions = core_->bitmap().count();
  s.dirty_bytes = s.dirty_regions * core_->bitmap().region_size();
  s.bitmap_trusted = core_->bitmap_trusted();
  s.resync_running = core_->resync_running();
  s.resync = core_->last_resync();
  s.verify_running = core_->verify_running();
  s.writes_in_flight = parts_.size();
  s.bitmap_writes = store_->bitmap_writes();
  s.direct_active = disk_ && disk_->direct_active();
  s.export_connections = export_ ? export_->open_connections() : 0;
  std::lock_guard<std::mutex> lock(status_mutex_);
  status_ = s;
}

// ----- replica_engine -----

replica_engine::replica_engine(replica_engine_settings settings)
    : impl_(std::make_unique<impl>(std::move(settings), *this)) {}

replica_engine::~replica_engine() {
  impl_->stop();
}

std::string replica_engine::start() {
  return impl_->start();
}

void replica_engine::stop() {
  impl_->stop();
}

replica_command_result replica_engine::command(replica_command c) {
  if (!impl_->thread_.joinable() || impl_->stop_.load()) return {false, "the volume is stopped"};
  auto m = std::make_shared<impl::command_message>();
  m->what = c;
  auto answer = m->reply.get_future();
  {
    std::lock_guard<std::mutex> lock(impl_->inbox_mutex_);
    impl_->commands_.push_back(m);
  }
  impl_->wake();
  return answer.get();
}

replica_status replica_engine::status() const {
  std::lock_guard<std::mutex> lock(impl_->status_mutex_);
  return impl_->status_;
}

block_device_info replica_engine::info() const {
  block_device_info i;
  i.size = impl_->settings_.volume.size;
  i.read_only = false;  // the export flips itself by role
  i.supports_trim = true;
  i.supports_write_zeroes = true;
  // One core orders every writer's requests: a flush covers all connections' writes.
  i.flush_covers_all_writers = true;
  return i;
}

void replica_engine::submit(block_request request, block_completion_sink& sink) {
  if (std::this_thread::get_id() == impl_->loop_thread_.load(std::memory_order_relaxed)) {
    // From the embedded export: handled now, its disk work and frames in the loop's drain().
    impl_->on_submission({std::move(request), &sink});
    return;
  }
  {
    std::lock_guard<std::mutex> lock(impl_->inbox_mutex_);
    impl_->submissions_.push_back({std::move(request), &sink});
  }
  impl_->wake();
}

}  // namespace hamesh::replica
