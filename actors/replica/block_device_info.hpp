#pragma once
// What a block_device is, as the NBD export advertises it in its transmission flags.
#include <cstdint>

namespace hamesh::replica {

struct block_device_info {
  uint64_t size = 0;  // bytes; requests never reach past it (the export checks first)
  bool read_only = false;
  bool supports_trim = true;
  bool supports_write_zeroes = true;
  // A flush, or a FUA write, makes every write completed before it durable, whichever
  // connection sent it: what NBD_FLAG_CAN_MULTI_CONN promises (proto.md "Transmission flags").
  bool flush_covers_all_writers = false;
};

}  // namespace hamesh::replica
