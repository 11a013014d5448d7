#pragma once
// The order in which a member's local disk operations may start. The engine's disk may
// complete concurrent requests in any order, so two overlapping writes in flight at once
// would leave either one on disk; DRBD serialises conflicting requests for the same reason.
// Here an operation starts only when no earlier unfinished operation overlaps it (reads may
// pass reads), a flush starts once every earlier write is done (it must cover them), and a
// barrier operation waits for everything before it. Non-overlapping writes run in parallel.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace hamesh::replica {

class io_order {
 public:
  enum class kind { read, write, flush };

  // Queues an operation named by `token`; returns the tokens that may start now (this one,
  // or none if it must wait).
  std::vector<uint64_t> submit(uint64_t token, kind k, uint64_t offset, uint64_t length,
                               bool barrier = false);
  // The operation finished; returns the waiting tokens that may start now, in order.
  std::vector<uint64_t> complete(uint64_t token);
  // Forgets everything (the disk was given up).
  void clear() { ops_.clear(); }

  size_t pending() const { return ops_.size(); }

 private:
  struct op {
    uint64_t token;
    kind what;
    uint64_t offset;
    uint64_t length;
    bool barrier;
    bool started;
  };
  static bool must_wait(const op& earlier, const op& later);
  std::vector<uint64_t> start_ready();

  std::deque<op> ops_;
};

}  // namespace hamesh::replica
