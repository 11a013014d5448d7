// nbd_export_engine over loopback with a device that completes from its own thread, in
// reverse order, as a replicated volume would: pipelined requests, several clients, the
// read-only switch, a broken client, and stop() with requests still held by the device.
#include "actors/replica/nbd_export_engine.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "tests/unit/replica/nbd_test_messages.hpp"

using namespace hamesh::replica;
using namespace nbd_test;

namespace {

// Completes from a worker thread; while `held`, it keeps requests, then releases them newest
// first (replies out of order).
class threaded_device final : public block_device {
 public:
  explicit threaded_device(size_t size) : store_(size), worker_([this] { work(); }) {}
  ~threaded_device() override {
    {
      std::lock_guard<std::mutex> lock(m_);
      quit_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }
  block_device_info info() const override {
    block_device_info i;
    i.size = store_.bytes.size();
    return i;
  }
  void submit(block_request r, block_completion_sink& sink) override {
    std::lock_guard<std::mutex> lock(m_);
    queue_.push_back({std::move(r), &sink});
    cv_.notify_all();
  }
  void hold(bool on) {
    std::lock_guard<std::mutex> lock(m_);
    held_ = on;
    cv_.notify_all();
  }
  size_t queued() {
    std::lock_guard<std::mutex> lock(m_);
    return queue_.size();
  }

 private:
  struct item {
    block_request r;
    block_completion_sink* sink;
  };
  void work() {
    std::unique_lock<std::mutex> lock(m_);
    for (;;) {
      cv_.wait(lock, [&] { return quit_ || (!held_ && !queue_.empty()); });
      if (quit_) return;
      std::deque<item> batch;
      batch.swap(queue_);
      lock.unlock();
      for (auto it = batch.rbegin(); it != batch.rend(); ++it)
        it->sink->on_block_completion(store_.run(it->r));
      lock.lock();
    }
  }
  memory_store store_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<item> queue_;
  bool held_ = false, quit_ = false;
  std::thread worker_;
};

struct client {
  int fd = -1;
  explicit client(uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(0x7f000001);
    BOOST_REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~client() { ::close(fd); }
  void send(const std::string& s) {
    BOOST_REQUIRE(::send(fd, s.data(), s.size(), 0) == ssize_t(s.size()));
  }
  std::string read(size_t n) {
    std::string s(n, '\0');
    size_t done = 0;
    while (done < n) {
      ssize_t k = ::recv(fd, s.data() + done, n - done, 0);
      if (k <= 0) break;
      done += size_t(k);
    }
    s.resize(done);
    return s;
  }
  bool closed_by_server() {
    char c;
    return ::recv(fd, &c, 1, 0) == 0;
  }
  // Handshake with NBD_OPT_GO; returns the transmission flags.
  uint16_t go(const std::string& name) {
    BOOST_REQUIRE(read(18) == greeting());
    send(client_flags(3) + option(nbd::opt_go, go_data(name)));
    uint16_t flags = 0;
    for (;;) {
      std::string h = read(20);
      BOOST_REQUIRE(h.size() == 20u);
      std::string data = read(nbd::get_u32(h, 16));
      uint32_t type = nbd::get_u32(h, 12);
      if (type == nbd::rep_info && nbd::get_u16(data, 0) == nbd::info_export)
        flags = nbd::get_u16(data, 10);
      if (type == nbd::rep_ack) return flags;
      BOOST_REQUIRE(!(type & nbd::rep_flag_error));
    }
  }
  // Reads `count` replies with no data, by handle: their errors.
  std::map<uint64_t, uint32_t> replies(size_t count) {
    std::map<uint64_t, uint32_t> got;
    for (size_t i = 0; i < count; ++i) {
      std::string r = read(16);
      BOOST_REQUIRE(r.size() == 16u);
      got[nbd::get_u64(r, 8)] = nbd::get_u32(r, 4);
    }
    return got;
  }
};

template <typename F>
bool eventually(F f) {
  for (int i = 0; i < 500; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

nbd_export_settings settings() {
  nbd_export_settings s;
  s.port = 0;
  s.name = "vol";
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(nbd_export_engine_suite)

BOOST_AUTO_TEST_CASE(pipelined_writes_complete_out_of_order_from_another_thread) {
  threaded_device device(1u << 20);
  nbd_export_engine engine(settings(), device);
  BOOST_REQUIRE(engine.start().empty());
  BOOST_TEST(engine.port() != 0);
  client c(engine.port());
  BOOST_TEST(c.go("vol") == (nbd::tflag_has_flags | nbd::tflag_send_flush | nbd::tflag_send_fua |
                             nbd::tflag_send_trim | nbd::tflag_send_write_zeroes));
  device.hold(true);
  std::string batch;
  for (uint64_t i = 0; i < 8; ++i)
    batch +=
        request(nbd::cmd_flag_fua, 1, 100 + i, i * 4096, 4096, std::string(4096, char('A' + i)));
  c.send(batch);
  BOOST_TEST(eventually([&] { return device.queued() == 8; }));
  device.hold(false);
  auto got = c.replies(8);
  BOOST_TEST(got.size() == 8u);
  for (auto& [handle, error] : got) BOOST_TEST(error == 0u, "handle " << handle);
  c.send(request(0, 0, 7, 3 * 4096, 4096));
  BOOST_TEST(c.read(16) == reply(0, 7));
  BOOST_TEST(c.read(4096) == std::string(4096, 'D'));
  const auto& k = engine.counters();
  BOOST_TEST(k.requests_of(nbd_command_kind::write) == 8u);
  BOOST_TEST(eventually([&] { return nbd_export_counters::get(k.bytes_read) == 4096u; }));
  BOOST_TEST(nbd_export_counters::get(k.bytes_written) == 8u * 4096u);
  BOOST_TEST(nbd_export_counters::get(k.handshakes) == 1u);
  BOOST_TEST(engine.open_connections() == 1u);
  c.send(request(0, 2, 8, 0, 0));  // NBD_CMD_DISC
  BOOST_TEST(c.closed_by_server());
  BOOST_TEST(eventually([&] { return engine.open_connections() == 0; }));
}

BOOST_AUTO_TEST_CASE(several_clients_at_once) {
  threaded_device device(1u << 20);
  nbd_export_engine engine(settings(), device);
  BOOST_REQUIRE(engine.start().empty());
  std::vector<std::unique_ptr<client>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<client>(engine.port()));
    clients.back()->go("");
  }
  for (size_t i = 0; i < clients.size(); ++i)
    clients[i]->send(request(0, 1, i, i * 512, 512, std::string(512, char('a' + i))));
  for (size_t i = 0; i < clients.size(); ++i) BOOST_TEST(clients[i]->read(16) == reply(0, i));
  clients[0]->send(request(0, 0, 99, 3 * 512, 512));
  BOOST_TEST(clients[0]->read(16 + 512) == reply(0, 99, std::string(512, 'd')));
  BOOST_TEST(engine.open_connections() == 4u);
}

BOOST_AUTO_TEST_CASE(read_only_switch_applies_to_open_and_new_connections) {
  threaded_device device(1u << 20);
  nbd_export_engine engine(settings(), device);
  BOOST_REQUIRE(engine.start().empty());
  client c(engine.port());
  c.go("vol");
  engine.set_read_only(true);
  BOOST_TEST(engine.read_only());
  c.send(request(0, 1, 1, 0, 4, "abcd") + request(0, 4, 2, 0, 4) + request(0, 0, 3, 0, 4));
  auto got = c.read(16 * 3 + 4);
  BOOST_TEST(escaped(got) == escaped(reply(nbd::err_perm, 1) + reply(nbd::err_perm, 2) +
                                     reply(0, 3, std::string(4, '\0'))));
  BOOST_TEST(engine.counters().errors_of(nbd_errc::read_only) == 2u);
  client later(engine.port());
  BOOST_TEST((later.go("vol") & nbd::tflag_read_only) != 0);
  engine.set_read_only(false);
  c.send(request(0, 1, 4, 0, 1, "x"));
  BOOST_TEST(c.read(16) == reply(0, 4));
}

BOOST_AUTO_TEST_CASE(a_broken_client_is_closed_and_counted) {
  threaded_device device(1u << 20);
  nbd_export_engine engine(settings(), device);
  BOOST_REQUIRE(engine.start().empty());
  client c(engine.port());
  c.go("vol");
  c.send(request(0, 0, 1, 0, 1, "", 0xdeadbeef));
  BOOST_TEST(c.closed_by_server());
  BOOST_TEST(
      eventually([&] { return engine.counters().errors_of(nbd_errc::bad_request_magic) == 1; }));
  client unknown(engine.port());
  BOOST_REQUIRE(unknown.read(18) == greeting());
  unknown.send(client_flags(3) + option(nbd::opt_export_name, "other"));
  BOOST_TEST(unknown.closed_by_server());
  BOOST_TEST(
      eventually([&] { return engine.counters().errors_of(nbd_errc::unknown_export) == 1; }));
}

BOOST_AUTO_TEST_CASE(stop_waits_for_requests_the_device_holds) {
  threaded_device device(1u << 20);
  auto engine = std::make_unique<nbd_export_engine>(settings(), device);
  BOOST_REQUIRE(engine->start().empty());
  client c(engine->port());
  c.go("vol");
  device.hold(true);
  c.send(request(0, 0, 1, 0, 8));
  BOOST_TEST(eventually([&] { return device.queued() == 1; }));
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    device.hold(false);
  });
  engine->stop();  // returns only once the held read completed into it
  releaser.join();
  BOOST_TEST(nbd_export_counters::get(engine->counters().device_inflight) == 0u);
  BOOST_TEST(engine->open_connections() == 0u);
  engine.reset();
}

BOOST_AUTO_TEST_CASE(start_reports_a_port_in_use) {
  threaded_device device(4096);
  nbd_export_engine first(settings(), device);
  BOOST_REQUIRE(first.start().empty());
  nbd_export_settings s = settings();
  s.port = first.port();
  nbd_export_engine second(s, device);
  // SO_REUSEADDR does not let two listeners share a port.
  std::string error = second.start();
  BOOST_TEST(error.find("bind 127.0.0.1:") == 0u, error);
}

BOOST_AUTO_TEST_SUITE_END()
