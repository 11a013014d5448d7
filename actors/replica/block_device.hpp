#pragma once
// The storage behind an NBD export: a fixed-size array of bytes with read, write, flush, trim
// and write-zeroes, asynchronous so that a replicated volume can complete a write only once
// its peer holds it too (DRBD protocol C), from whatever thread learns it.
//
// Contract:
// - submit() takes one request; sink.on_block_completion() is then called exactly once with
//   the same id, from any thread, possibly synchronously inside submit().
// - A completed write (or trim, write-zeroes) is visible to every read submitted after its
//   completion. Only flush and `fua` promise durability.
// - The submitter keeps `sink` alive until every request it submitted has completed, and
//   only submits ranges within info().size. A device that stops fails what it still holds
//   (block_status::shutting_down) rather than dropping it.
#include "actors/replica/block_completion_sink.hpp"
#include "actors/replica/block_device_info.hpp"
#include "actors/replica/block_request.hpp"

namespace hamesh::replica {

class block_device {
 public:
  virtual ~block_device() = default;
  virtual block_device_info info() const = 0;
  virtual void submit(block_request request, block_completion_sink& sink) = 0;
};

}  // namespace hamesh::replica
