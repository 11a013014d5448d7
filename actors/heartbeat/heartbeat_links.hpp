#pragma once
// The UDP side of a pair's heartbeat links (CAF-free): one socket per [[heartbeat.link]],
// bound to its listen address (or joined to its multicast group on its interface), each
// watched by a socket_reader thread that hands datagrams to a callback with the link's index.
// Sending is a non-blocking sendto from the caller's thread: a heartbeat is one datagram and
// a full socket buffer only ever drops one round, which the monitor's deadtime absorbs.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/heartbeat/heartbeat_config.hpp"
#include "runtime/net/socket_reader.hpp"

namespace hamesh::heartbeat {

class heartbeat_links {
 public:
  using receiver = std::function<void(size_t link, std::vector<uint8_t> datagram)>;

  heartbeat_links() = default;
  ~heartbeat_links();
  heartbeat_links(const heartbeat_links&) = delete;
  heartbeat_links& operator=(const heartbeat_links&) = delete;

  // Opens every link; "" on success, else what failed (nothing stays open then).
  std::string open(const std::vector<heartbeat_link_config>& links, receiver on_datagram);
  void close();

  // One datagram on `link`; false (and the errno text in `why`) when the kernel refused it.
  bool send(size_t link, const std::vector<uint8_t>& datagram, std::string* why);

 private:
  struct socket_entry {
    int fd = -1;
    uint32_t to_address = 0;
    uint16_t to_port = 0;
    std::unique_ptr<net::socket_reader> reader;
  };
  std::vector<socket_entry> sockets_;
};

}  // namespace hamesh::heartbeat
