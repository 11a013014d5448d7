// Synchronous 4 KiB random writes through the NBD export versus the same writes to a local
// file, side by side in one run: what the export costs over the floor DESIGN.md measures a
// replicated write against (local fsync).
//   nbd_sync_write_bench [--dir DIR] [--count N] [--mode fua|flush] [--size BYTES]
//                        [--connect PORT --name NAME --label TEXT --result NAME]
// With --connect the writes go to an export already running on 127.0.0.1:PORT (a replicated
// volume's, tools/bench/replica) instead of one this program starts.
// hamesh: an nbd_export_engine on a file_block_device (a file in DIR), driven over loopback
// TCP by a minimal blocking NBD client in this process (NBD_OPT_GO, then one request at a
// time: WRITE with FUA, or WRITE then FLUSH). Anchor: pwrite + fdatasync on another file in
// DIR. Both files are written in full first, so that both runs overwrite allocated blocks.
// The two run interleaved, --rounds slices of each in turn, so a disk whose latency drifts
// over a minute (a virtual disk does) moves both the same way.
// --direct adds the same writes to a local file opened O_DIRECT (pwritev2 RWF_DSYNC), the
// floor of a volume with direct = true, and makes the pair floor use it.
// --pair-floor adds a series: two local files in DIR, each write going to both at once
// from two threads (pwrite + fdatasync each), done when both are: what two members sharing one
// disk cost with no software in between, the floor of a pair on one machine.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "actors/replica/file_block_device.hpp"
#include "actors/replica/nbd_export_engine.hpp"
#include "actors/replica/nbd_protocol.hpp"

using namespace hamesh::replica;
using steady = std::chrono::steady_clock;

namespace {

[[noreturn]] void die(const std::string& why) {
  std::cerr << "nbd_sync_write_bench: " << why << "\n";
  std::exit(1);
}

void send_all(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) die("send: " + std::string(std::strerror(errno)));
    done += size_t(n);
  }
}

std::string recv_exactly(int fd, size_t n) {
  std::string s(n, '\0');
  size_t done = 0;
  while (done < n) {
    ssize_t k = ::recv(fd, s.data() + done, n - done, 0);
    if (k <= 0) die("recv: connection closed");
    done += size_t(k);
  }
  return s;
}

int connect_and_go(uint16_t port, const std::string& name) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(0x7f000001);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) die("connect");
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  recv_exactly(fd, 18);  // NBDMAGIC IHAVEOPT flags
  std::string m;
  nbd::put_u32(m, nbd::client_flag_fixed_newstyle | nbd::client_flag_no_zeroes);
  nbd::put_u64(m, nbd::option_magic);
  nbd::put_u32(m, nbd::opt_go);
  nbd::put_u32(m, uint32_t(4 + name.size() + 2));
  nbd::put_u32(m, uint32_t(name.size()));
  m += name;
  nbd::put_u16(m, 0);
  send_all(fd, m);
  for (;;) {
    std::string h = recv_exactly(fd, 20);
    uint32_t type = nbd::get_u32(h, 12);
    recv_exactly(fd, nbd::get_u32(h, 16));
    if (type == nbd::rep_ack) return fd;
    if (type & nbd::rep_flag_error) die("NBD_OPT_GO refused");
  }
}

void request(int fd, uint16_t type, uint16_t flags, uint64_t offset, const std::string& data,
             uint32_t length) {
  std::string h;
  nbd::put_u32(h, nbd::request_magic);
  nbd::put_u16(h, flags);
  nbd::put_u16(h, type);
  nbd::put_u64(h, offset);  // the handle: any value
  nbd::put_u64(h, offset);
  nbd::put_u32(h, length);
  iovec v[2] = {{h.data(), h.size()}, {const_cast<char*>(data.data()), data.size()}};
  size_t total = h.size() + data.size();
  ssize_t n = ::writev(fd, v, data.empty() ? 1 : 2);
  if (n != ssize_t(total)) die("writev short");
  std::string r = recv_exactly(fd, 16);
  if (nbd::get_u32(r, 4) != 0)
    die("request failed with NBD error " + std::to_string(nbd::get_u32(r, 4)));
}

struct summary {
  double p50, p99, mean, iops;
};

summary summarise(std::vector<double> us, double seconds) {
  std::sort(us.begin(), us.end());
  double sum = 0;
  for (double v : us) sum += v;
  return {us[us.size() / 2], us[std::min(us.size() - 1, us.size() * 99 / 100)], sum / us.size(),
          us.size() / seconds};
}

void prefill(const std::string& path, uint64_t size) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) die("open " + path);
  std::string block(1 << 20, '\x5a');
  for (uint64_t at = 0; at < size; at += block.size())
    if (::pwrite(fd, block.data(), block.size(), off_t(at)) != ssize_t(block.size()))
      die("prefill");
  ::fsync(fd);
  ::close(fd);
}

// An anchor file: pwrite + fdatasync through the page cache, or (direct) O_DIRECT with
// pwritev2(RWF_DSYNC) from an aligned buffer, what a volume with direct = true does.
class anchor_file {
 public:
  anchor_file(const std::string& path, const std::string& data, bool direct) : direct_(direct) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC | (direct ? O_DIRECT : 0));
    if (fd_ < 0) die("open " + path + ": " + std::strerror(errno));
    if (direct) {
      void* p = nullptr;
      if (::posix_memalign(&p, 4096, data.size()) != 0) die("posix_memalign");
      aligned_ = static_cast<char*>(p);
      std::memcpy(aligned_, data.data(), data.size());
    }
    data_ = direct ? aligned_ : data.data();
    size_ = data.size();
  }
  ~anchor_file() {
    ::close(fd_);
    std::free(aligned_);
  }
  void write(uint64_t offset) {
    bool ok;
    if (direct_) {
      iovec v{const_cast<char*>(data_), size_};
      ok = ::pwritev2(fd_, &v, 1, off_t(offset), RWF_DSYNC) == ssize_t(size_);
    } else {
      ok = ::pwrite(fd_, data_, size_, off_t(offset)) == ssize_t(size_) && ::fdatasync(fd_) == 0;
    }
    if (!ok) die("local write: " + std::string(std::strerror(errno)));
  }

 private:
  int fd_ = -1;
  bool direct_;
  char* aligned_ = nullptr;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

double micros_since(steady::time_point t0) {
  return std::chrono::duration<double, std::micro>(steady::now() - t0).count();
}

// The second file of the pair floor, written by a thread of its own in lockstep with the
// measuring thread: both start a write together, the measurement ends when both are durable.
class pair_writer {
 public:
  explicit pair_writer(anchor_file& second) : second_(second) {
    pthread_barrier_init(&start_, nullptr, 2);
    pthread_barrier_init(&done_, nullptr, 2);
    thread_ = std::thread([this] {
      for (;;) {
        pthread_barrier_wait(&start_);
        if (offset_ == UINT64_MAX) return;
        second_.write(offset_);
        pthread_barrier_wait(&done_);
      }
    });
  }
  ~pair_writer() {
    offset_ = UINT64_MAX;
    pthread_barrier_wait(&start_);
    thread_.join();
    pthread_barrier_destroy(&start_);
    pthread_barrier_destroy(&done_);
  }
  void write_both(anchor_file& first, uint64_t offset) {
    offset_ = offset;  // published by the barrier
    pthread_barrier_wait(&start_);
    first.write(offset);
    pthread_barrier_wait(&done_);
  }

 private:
  anchor_file& second_;
  uint64_t offset_ = 0;
  pthread_barrier_t start_, done_;
  std::thread thread_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "/var/tmp", mode = "fua";
  std::string export_name = "bench", label = "hamesh NBD export (loopback)",
              result = "nbd_sync_write";
  uint16_t external_port = 0;
  size_t count = 2000, rounds = 10;
  bool pair_floor = false, direct = false;
  uint64_t size = 64u << 20;
  for (int i = 1; i < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--pair-floor" || a == "--direct") {
      (a == "--direct" ? direct : pair_floor) = true;
      --i;
      continue;
    }
    if (i + 1 >= argc) die("missing the value of " + a);
    std::string v = argv[i + 1];
    if (a == "--dir")
      dir = v;
    else if (a == "--count")
      count = std::stoul(v);
    else if (a == "--mode")
      mode = v;
    else if (a == "--size")
      size = std::stoull(v);
    else if (a == "--connect")
      external_port = uint16_t(std::stoul(v));
    else if (a == "--name")
      export_name = v;
    else if (a == "--label")
      label = v;
    else if (a == "--result")
      result = v;
    else if (a == "--rounds")
      rounds = std::max<size_t>(1, std::stoul(v));
    else
      die("unknown argument " + a);
  }
  if (mode != "fua" && mode != "flush") die("--mode is fua or flush");
  std::string nbd_file = dir + "/nbd_sync_write_bench.export",
              local_file = dir + "/nbd_sync_write_bench.local",
              pair_file = dir + "/nbd_sync_write_bench.pair",
              direct_file = dir + "/nbd_sync_write_bench.direct";
  if (!external_port) prefill(nbd_file, size);
  prefill(local_file, size);
  if (pair_floor) prefill(pair_file, size);
  if (direct) prefill(direct_file, size);
  std::mt19937_64 rng(42);
  std::vector<uint64_t> offsets(count);
  for (auto& o : offsets) o = (rng() % (size / 4096)) * 4096;
  std::string data(4096, '\0');
  for (auto& c : data) c = char(rng());

  // hamesh: the export over loopback, this program's own or a running one.
  std::string error;
  std::unique_ptr<file_block_device> device;
  std::unique_ptr<nbd_export_engine> engine;
  uint16_t port = external_port;
  if (!external_port) {
    device = file_block_device::open({nbd_file, size, false, false}, error);
    if (!device) die(error);
    nbd_export_settings settings;
    settings.port = 0;
    settings.name = export_name;
    engine = std::make_unique<nbd_export_engine>(settings, *device);
    if (auto err = engine->start(); !err.empty()) die(err);
    port = engine->port();
  }
  int fd = connect_and_go(port, export_name);
  auto local = std::make_unique<anchor_file>(local_file, data, false);
  std::unique_ptr<anchor_file> local_direct, pair_first, pair_second;
  if (direct) local_direct = std::make_unique<anchor_file>(direct_file, data, true);
  std::unique_ptr<pair_writer> pair;
  if (pair_floor) {
    // In the volume's I/O mode: the two members' writes as they reach the disk.
    pair_first = std::make_unique<anchor_file>(direct ? direct_file : local_file, data, direct);
    pair_second = std::make_unique<anchor_file>(pair_file, data, direct);
    pair = std::make_unique<pair_writer>(*pair_second);
  }
  std::vector<double> nbd_us, local_us, direct_us, pair_us;
  double nbd_seconds = 0, local_seconds = 0, direct_seconds = 0, pair_seconds = 0;
  auto series = [&](size_t begin, size_t end, std::vector<double>& us, double& seconds,
                    auto&& write) {
    auto start = steady::now();
    for (size_t i = begin; i < end; ++i) {
      auto t0 = steady::now();
      write(offsets[i]);
      us.push_back(micros_since(t0));
    }
    seconds += micros_since(start) / 1e6;
  };
  size_t slice = (count + rounds - 1) / rounds;
  for (size_t begin = 0; begin < count; begin += slice) {
    size_t end = std::min(count, begin + slice);
    series(begin, end, nbd_us, nbd_seconds, [&](uint64_t o) {
      if (mode == "fua") {
        request(fd, 1, nbd::cmd_flag_fua, o, data, 4096);
      } else {
        request(fd, 1, 0, o, data, 4096);
        request(fd, 3, 0, 0, "", 0);
      }
    });
    // Anchors: the same writes to a local file, fdatasync after each (and O_DIRECT).
    series(begin, end, local_us, local_seconds, [&](uint64_t o) { local->write(o); });
    if (local_direct)
      series(begin, end, direct_us, direct_seconds, [&](uint64_t o) { local_direct->write(o); });
    if (pair)
      series(begin, end, pair_us, pair_seconds,
             [&](uint64_t o) { pair->write_both(*pair_first, o); });
  }
  ::close(fd);
  if (engine) engine->stop();
  pair.reset();
  pair_first.reset();
  pair_second.reset();
  local.reset();
  local_direct.reset();
  if (!external_port) ::unlink(nbd_file.c_str());
  for (auto& f : {local_file, pair_file, direct_file}) ::unlink(f.c_str());

  summary h = summarise(nbd_us, nbd_seconds), l = summarise(local_us, local_seconds);
  std::printf("4 KiB random sync writes (%zu, mode %s, files in %s, %zu interleaved rounds)\n",
              count, mode.c_str(), dir.c_str(), (count + slice - 1) / slice);
  std::printf("%-28s %10s %10s %10s %10s\n", "", "p50 us", "p99 us", "mean us", "IOPS");
  std::printf("%-28s %10.1f %10.1f %10.1f %10.0f\n", label.c_str(), h.p50, h.p99, h.mean, h.iops);
  std::printf("%-28s %10.1f %10.1f %10.1f %10.0f\n", "local pwrite+fdatasync", l.p50, l.p99, l.mean,
              l.iops);
  if (direct) {
    summary d = summarise(direct_us, direct_seconds);
    std::printf("%-28s %10.1f %10.1f %10.1f %10.0f\n", "local O_DIRECT+RWF_DSYNC", d.p50, d.p99,
                d.mean, d.iops);
    std::printf("RESULT %s_direct_p50 hamesh=%.1f anchor=%.1f ratio=%.3f unit=us better=lower\n",
                result.c_str(), h.p50, d.p50, h.p50 / d.p50);
  }
  if (pair_floor) {
    summary f = summarise(pair_us, pair_seconds);
    std::printf("%-28s %10.1f %10.1f %10.1f %10.0f\n",
                direct ? "2 local files O_DIRECT" : "2 local files, one disk", f.p50, f.p99, f.mean,
                f.iops);
    std::printf(
        "RESULT %s_pair_floor_p50 hamesh=%.1f anchor=%.1f ratio=%.3f unit=us better=lower\n",
        result.c_str(), h.p50, f.p50, h.p50 / f.p50);
  }
  const char* r = result.c_str();
  std::printf("RESULT %s_p50 hamesh=%.1f anchor=%.1f ratio=%.3f unit=us better=lower\n", r, h.p50,
              l.p50, h.p50 / l.p50);
  std::printf("RESULT %s_p99 hamesh=%.1f anchor=%.1f ratio=%.3f unit=us better=lower\n", r, h.p99,
              l.p99, h.p99 / l.p99);
  std::printf("RESULT %s_iops hamesh=%.0f anchor=%.0f ratio=%.3f unit=iops better=higher\n", r,
              h.iops, l.iops, h.iops / l.iops);
  return 0;
}
