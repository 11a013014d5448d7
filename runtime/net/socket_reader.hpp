#pragma once
// A thread that waits on one datagram socket and hands every datagram to a callback (which
// typically sends it to the owning actor). CAF 0.17 has no way for an event-based actor to
// watch an arbitrary fd, so an actor that owns a raw or UDP socket owns one of these.
// Destroying it stops the thread (through an eventfd) before it returns.
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "runtime/net/wake_event.hpp"

namespace hamesh::net {

class socket_reader {
 public:
  using callback = std::function<void(std::vector<uint8_t>)>;
  socket_reader(int fd, callback on_datagram);
  ~socket_reader();
  socket_reader(const socket_reader&) = delete;
  socket_reader& operator=(const socket_reader&) = delete;

 private:
  void run();
  int fd_;
  wake_event stop_;  // set by the destructor
  callback on_datagram_;
  std::thread thread_;
};

}  // namespace hamesh::net
