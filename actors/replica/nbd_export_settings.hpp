#pragma once
// How one NBD export listens and what it offers; the engine takes it whole at construction.
#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/replica/nbd_session_limits.hpp"

namespace hamesh::replica {

struct nbd_export_settings {
  uint32_t address = 0x7f000001;  // IPv4, host byte order
  uint16_t port = 10809;          // the IANA NBD port; 0: the kernel picks (see port())
  std::string name;               // the export name clients ask for ("" also selects it)
  std::string description;
  bool read_only = false;  // initial state; nbd_export_engine::set_read_only() changes it
  nbd_session_limits limits;
  size_t max_connections = 256;  // more are accepted and closed at once (counted)
  // Bytes waiting to be sent to one client past which its requests are not read: a client
  // that pipelines reads without reading replies holds this much, not the whole export.
  size_t max_output_backlog = 64u << 20;
  size_t read_chunk = 256u << 10;  // one recv()
};

}  // namespace hamesh::replica
