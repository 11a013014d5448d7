#pragma once
// Where a block_device delivers completions: the submitter (the NBD engine hands itself).
#include "actors/replica/block_completion.hpp"

namespace hamesh::replica {

class block_completion_sink {
 public:
  // Exactly once per submitted request, from any thread, possibly before submit() returns.
  // Must not block for long: the engine only queues it and wakes its thread.
  virtual void on_block_completion(block_completion done) = 0;

 protected:
  ~block_completion_sink() = default;
};

}  // namespace hamesh::replica
