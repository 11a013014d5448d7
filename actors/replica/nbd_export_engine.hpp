#pragma once
// The data plane of one NBD export: an epoll thread of its own (edge-triggered, non-blocking
// sockets, an eventfd to wake it) that serves the NBD protocol to several clients at once on a
// TCP IPv4 address, one nbd_server_session per connection, and runs their requests on a
// block_device. Completions may come from any thread: they are queued under a lock and the
// eventfd wakes the loop. CAF-free; the replica actor owns it, flips it read-only when its
// role changes and reads its counters.
#include <cstdint>
#include <memory>
#include <string>

#include "actors/replica/block_device.hpp"
#include "actors/replica/nbd_export_counters.hpp"
#include "actors/replica/nbd_export_settings.hpp"

namespace hamesh::replica {

class nbd_export_engine {
 public:
  // `device` must outlive the engine.
  nbd_export_engine(nbd_export_settings settings, block_device& device);
  ~nbd_export_engine();  // stop()
  nbd_export_engine(const nbd_export_engine&) = delete;
  nbd_export_engine& operator=(const nbd_export_engine&) = delete;

  // Binds (IP_FREEBIND: the address may arrive later with a VIP) and runs the thread: "" or
  // why it cannot.
  std::string start();
  // Stops accepting and reading, waits until the device has completed every request the
  // engine submitted (replies still go out on a best-effort basis), then closes every socket
  // and joins the thread. A device that never completes a request makes stop() wait for it:
  // the engine is the request's completion sink. Idempotent.
  void stop();
  uint16_t port() const;  // the bound port (0 before start)

  // Embedded instead: no thread of its own, the caller's loop drives the export (the replica
  // engine serves its export and its peer stream from one thread, which saves two thread
  // wake-ups per request). attach() binds like start(). Then, all on one thread: poll()
  // whenever poll_fd() is readable (an epoll descriptor: add it to the caller's epoll set),
  // deliver() after the device completed requests on that thread (true: it sent replies, and
  // sessions it unblocked may have submitted more: carry those out and deliver() again),
  // and detach() at the end,
  // once the device has completed everything it was given: replies go out on a best-effort
  // basis and every socket is closed. set_read_only() is then called from that thread only,
  // and applies at once.
  std::string attach();
  int poll_fd() const;
  void poll();
  bool deliver();
  void detach();

  // Any thread. With true, once this returns no write, trim or write-zeroes parsed afterwards
  // reaches the device (NBD_EPERM instead); those already submitted may still complete.
  // Clients that connect later see the export as read-only in their transmission flags;
  // clients told read-only at their handshake stay refused after it is cleared.
  void set_read_only(bool read_only);
  bool read_only() const;

  uint64_t open_connections() const;
  const nbd_export_counters& counters() const;

  class impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace hamesh::replica
