// Exports one file over NBD with the replica function's engine, for tests and benchmarks:
//   nbd_export_runner --file F --size BYTES --listen 127.0.0.1:PORT --name NAME [--read-only]
//                     [--description TEXT]
// BYTES may end in k, m or g (powers of 1024); PORT 0 lets the kernel pick. Prints
// "listening PORT" once it accepts, runs until SIGTERM or SIGINT (or EOF on stdin when stdin
// is a pipe or a terminal), then prints its counters on stderr.
#include <arpa/inet.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

#include "actors/replica/file_block_device.hpp"
#include "actors/replica/nbd_export_engine.hpp"

using namespace hamesh::replica;

namespace {

int usage(const std::string& why) {
  std::cerr << "nbd_export_runner: " << why
            << "\nusage: nbd_export_runner --file F --size BYTES --listen ADDR:PORT --name NAME"
               " [--read-only] [--description TEXT]\n";
  return 2;
}

bool parse_size(const std::string& text, uint64_t& bytes) {
  if (text.empty()) return false;
  size_t end = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(text, &end);
  } catch (const std::exception&) {
    return false;
  }
  std::string suffix = text.substr(end);
  int shift = suffix.empty()                   ? 0
              : suffix == "k" || suffix == "K" ? 10
              : suffix == "m" || suffix == "M" ? 20
              : suffix == "g" || suffix == "G" ? 30
                                               : -1;
  if (shift < 0 || v > (~0ull >> shift)) return false;
  bytes = uint64_t(v) << shift;
  return true;
}

bool parse_listen(const std::string& text, uint32_t& address, uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  in_addr a{};
  if (::inet_pton(AF_INET, text.substr(0, colon).c_str(), &a) != 1) return false;
  try {
    unsigned long p = std::stoul(text.substr(colon + 1));
    if (p > 65535) return false;
    port = uint16_t(p);
  } catch (const std::exception&) {
    return false;
  }
  address = ntohl(a.s_addr);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  file_block_device::settings device_settings;
  nbd_export_settings settings;
  bool have_listen = false, have_name = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : std::string(); };
    if (arg == "--file") {
      device_settings.path = value();
    } else if (arg == "--size") {
      if (!parse_size(value(), device_settings.size)) return usage("bad --size");
    } else if (arg == "--listen") {
      if (!parse_listen(value(), settings.address, settings.port)) return usage("bad --listen");
      have_listen = true;
    } else if (arg == "--name") {
      settings.name = value();
      have_name = true;
    } else if (arg == "--description") {
      settings.description = value();
    } else if (arg == "--read-only") {
      settings.read_only = true;
    } else {
      return usage("unknown argument " + arg);
    }
  }
  if (device_settings.path.empty() || !have_listen || !have_name)
    return usage("--file, --listen and --name are required");

  // Signals are taken from a signalfd: blocked here, before the engine thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  int sfd = ::signalfd(-1, &stop_signals, SFD_CLOEXEC);

  std::string error;
  auto device = file_block_device::open(device_settings, error);
  if (!device) {
    std::cerr << "nbd_export_runner: " << error << "\n";
    return 1;
  }
  nbd_export_engine engine(settings, *device);
  if (auto err = engine.start(); !err.empty()) {
    std::cerr << "nbd_export_runner: " << err << "\n";
    return 1;
  }
  std::cout << "listening " << engine.port() << std::endl;

  struct stat st {};
  bool watch_stdin = ::fstat(0, &st) == 0 && (S_ISFIFO(st.st_mode) || ::isatty(0));
  for (;;) {
    pollfd fds[2] = {{sfd, POLLIN, 0}, {watch_stdin ? 0 : -1, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[0].revents) break;
    if (fds[1].revents) {
      char buffer[256];
      if (::read(0, buffer, sizeof buffer) <= 0) break;
    }
  }
  engine.stop();
  const nbd_export_counters& k = engine.counters();
  std::cerr << "nbd_export_runner: stopped; connections " << k.connections_accepted.load()
            << ", handshakes " << k.handshakes.load() << ", bytes read " << k.bytes_read.load()
            << ", written " << k.bytes_written.load() << "\n  requests:";
  for (size_t i = 0; i < nbd_command_kind_count; ++i)
    std::cerr << " " << to_string(nbd_command_kind(i)) << "=" << k.requests[i].load();
  std::cerr << "\n  errors:";
  for (size_t i = 1; i < nbd_errc_count; ++i)
    if (k.errors[i].load()) std::cerr << " " << to_string(nbd_errc(i)) << "=" << k.errors[i].load();
  std::cerr << std::endl;
  return 0;
}
