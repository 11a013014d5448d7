#pragma once
// The result of one block_request: its id, a status and, for a successful read, the bytes.
#include <cstdint>
#include <string>

namespace hamesh::replica {

enum class block_status {
  ok,
  io_error,       // the medium (or the peer holding the other copy) failed: NBD_EIO
  no_space,       // ENOSPC, EDQUOT, EFBIG (proto.md "Error values" maps them to NBD_ENOSPC)
  read_only,      // the device refuses writes now, e.g. it was demoted to secondary: NBD_EPERM
  invalid,        // a range or argument the device cannot take: NBD_EINVAL
  shutting_down,  // the device is stopping: NBD_ESHUTDOWN (the client then disconnects)
};

struct block_completion {
  uint64_t id = 0;
  block_status status = block_status::ok;
  std::string data;  // a read's `length` bytes when status is ok; empty otherwise
};

constexpr const char* to_string(block_status s) {
  switch (s) {
    case block_status::ok:
      return "ok";
    case block_status::io_error:
      return "io_error";
    case block_status::no_space:
      return "no_space";
    case block_status::read_only:
      return "read_only";
    case block_status::invalid:
      return "invalid";
    case block_status::shutting_down:
      return "shutting_down";
  }
  return "unknown";
}

}  // namespace hamesh::replica
