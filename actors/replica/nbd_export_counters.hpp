#pragma once
// The counters of one NBD export, in one table (STYLE.md 15). Relaxed atomics: the engine
// thread writes, the owning actor, hameshctl and /metrics read recent values from any thread.
#include <array>
#include <atomic>
#include <cstdint>

#include "actors/replica/nbd_errc.hpp"
#include "actors/replica/nbd_session_tally.hpp"

namespace hamesh::replica {

struct nbd_export_counters {
  static void add(std::atomic<uint64_t>& c, uint64_t n = 1) {
    c.fetch_add(n, std::memory_order_relaxed);
  }
  static void sub(std::atomic<uint64_t>& c, uint64_t n = 1) {
    c.fetch_sub(n, std::memory_order_relaxed);
  }
  static uint64_t get(const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); }
  uint64_t requests_of(nbd_command_kind k) const { return get(requests[size_t(k)]); }
  uint64_t errors_of(nbd_errc e) const { return get(errors[size_t(e)]); }

  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> connections_open{0};
  std::atomic<uint64_t> connections_refused{0};  // over max_connections
  std::atomic<uint64_t> handshakes{0};           // connections that reached transmission
  std::array<std::atomic<uint64_t>, nbd_command_kind_count> requests{};  // by nbd_command_kind
  std::array<std::atomic<uint64_t>, nbd_errc_count> errors{};            // by nbd_errc
  std::atomic<uint64_t> bytes_read{0};       // returned by successful reads
  std::atomic<uint64_t> bytes_written{0};    // accepted by successful writes
  std::atomic<uint64_t> device_inflight{0};  // submitted to the block device, not completed
};

}  // namespace hamesh::replica
