#pragma once
// One operation on a block_device, as the NBD export (or any other front end) submits it.
#include <cstdint>
#include <string>

namespace hamesh::replica {

enum class block_op {
  read,          // `length` bytes at `offset` come back in the completion
  write,         // `data` (exactly `length` bytes) at `offset`
  flush,         // every write completed before this one reaches stable storage
  trim,          // the range's contents may be discarded (a hint; reads after it are undefined)
  write_zeroes,  // the range reads as zeroes afterwards
};

struct block_request {
  uint64_t id = 0;  // the submitter's tag, echoed by the completion
  block_op op = block_op::read;
  uint64_t offset = 0;
  uint32_t length = 0;
  // Complete only once this operation's data is on stable storage (NBD_CMD_FLAG_FUA).
  bool fua = false;
  // write_zeroes only: a hole may represent the zeroes (false for NBD_CMD_FLAG_NO_HOLE).
  bool may_punch_hole = true;
  std::string data;  // write only
};

}  // namespace hamesh::replica
