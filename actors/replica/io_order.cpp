#include "actors/replica/io_order.hpp"

namespace hamesh::replica {

bool io_order::must_wait(const op& earlier, const op& later) {
  if (later.barrier) return true;
  if (later.what == kind::flush) return earlier.what == kind::write;
  // A flush covers what came before it; later operations need not wait for it.
  if (earlier.what == kind::flush) return false;
  if (earlier.what == kind::read && later.what == kind::read) return false;
  return earlier.offset < later.offset + later.length &&
         later.offset < earlier.offset + earlier.length;
}

std::vector<uint64_t> io_order::start_ready() {
  std::vector<uint64_t> ready;
  for (size_t i = 0; i < ops_.size(); ++i) {
    if (ops_[i].started) continue;
    bool wait = false;
    for (size_t j = 0; j < i && !wait; ++j) wait = must_wait(ops_[j], ops_[i]);
    if (!wait) {
      ops_[i].started = true;
      ready.push_back(ops_[i].token);
    }
  }
  return ready;
}

std::vector<uint64_t> io_order::submit(uint64_t token, kind k, uint64_t offset, uint64_t length,
                                       bool barrier) {
  ops_.push_back(op{token, k, offset, length, barrier, false});
  // Only the new operation can have become startable.
  const op& added = ops_.back();
  for (size_t j = 0; j + 1 < ops_.size(); ++j)
    if (must_wait(ops_[j], added)) return {};
  ops_.back().started = true;
  return {token};
}

std::vector<uint64_t> io_order::complete(uint64_t token) {
  for (auto it = ops_.begin(); it != ops_.end(); ++it)
    if (it->token == token) {
      ops_.erase(it);
      return start_ready();
    }
  return {};
}

}  // namespace hamesh::replica
