#pragma once
// The bounds one NBD session keeps, so that a client costs bounded memory whatever it sends.
#include <cstddef>
#include <cstdint>

namespace hamesh::replica {

struct nbd_session_limits {
  // The largest READ or WRITE (NBD_INFO_BLOCK_SIZE's maximum payload). proto.md: clients
  // that were told nothing keep to 32 MiB, so that is what every client already expects.
  uint32_t max_payload = 32u << 20;
  // Option data held in memory: a 4096-byte export name plus its info requests fits.
  uint32_t max_option_data = 16u << 10;
  // Options in one handshake; past it the client is taken for a denial of service.
  uint32_t max_options = 128;
  // Requests handed to the device and not yet answered; the session reads no further
  // request until one completes (the client's pipelining is throttled, not refused).
  uint32_t max_inflight = 64;
};

}  // namespace hamesh::replica
