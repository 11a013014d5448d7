#pragma once
// Picks the real server for a new connection: LVS's schedulers rr, wrr, lc, wlc, sh and mh,
// as a pure core (no sockets, no clock), so tests can prove their distributions.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hamesh::ipvs {

enum class scheduler_kind { rr, wrr, lc, wlc, sh, mh };

const char* to_string(scheduler_kind kind);
std::optional<scheduler_kind> parse_scheduler(const std::string& name);

// A real server as the scheduler sees it. `weight` 0 takes no new connections (drained or
// inhibited); `available` false means it is out of the pool altogether.
struct real_entry {
  uint32_t weight = 1;
  bool available = true;
  // What the real is (e.g. a hash of its address and port), not where it sits in the list:
  // mh derives its table permutation from it, so adding or removing another real does not
  // move this one's clients even though the indices shift. 0 = none: the index stands in,
  // which is stable only while the list keeps its order and length.
  uint64_t id = 0;
};

// Current connections of a real server, same order as the entries (lc, wlc).
struct real_load {
  uint32_t active = 0;
  uint32_t inactive = 0;
};

struct client_key {
  uint32_t address = 0;  // IPv4, host byte order
  uint16_t port = 0;
};

class scheduler {
 public:
  virtual ~scheduler() = default;
  virtual scheduler_kind kind() const = 0;
  // The pool changed (weights, availability, servers added or removed): rebuild what depends
  // on it. Called before the first pick.
  virtual void update(const std::vector<real_entry>& reals) = 0;
  // Index of the real server for a new connection from `client`, or nullopt when no server
  // can take one. `load` has one element per entry given to update().
  virtual std::optional<size_t> pick(const client_key& client,
                                     const std::vector<real_load>& load) = 0;
};

std::unique_ptr<scheduler> make_scheduler(scheduler_kind kind);

}  // namespace hamesh::ipvs
