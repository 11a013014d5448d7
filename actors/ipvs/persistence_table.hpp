#pragma once
// LVS persistence: a client (by address) keeps going to the real server it was sent to while
// it keeps coming back within the timeout. Pure: time is an argument.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>

namespace hamesh::ipvs {

class persistence_table {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit persistence_table(std::chrono::nanoseconds timeout, size_t max_entries = 1 << 20);

  // The real server remembered for `client`, if its entry has not expired at `now`.
  std::optional<size_t> find(uint32_t client, time_point now) const;
  // Remembers (or refreshes) client -> real until now + timeout.
  void remember(uint32_t client, size_t real, time_point now);
  // Forgets every client sent to `real` (it left the pool: failed or removed).
  void forget_real(size_t real);
  // Drops expired entries; returns how many.
  size_t expire(time_point now);
  size_t size() const { return entries_.size(); }

 private:
  struct entry {
    size_t real;
    time_point expires;
  };
  std::chrono::nanoseconds timeout_;
  size_t max_entries_;
  std::unordered_map<uint32_t, entry> entries_;
};

}  // namespace hamesh::ipvs
