#pragma once
// A virtual service's real servers as the operator and the probes left them: health, drain,
// inhibit_on_failure, quorum and the sorry server, turned into the pool a data plane
// forwards to. Pure: no sockets, no clock.
#include <cstdint>
#include <string>
#include <vector>

#include "actors/ipvs/ipvs_config.hpp"
#include "actors/ipvs/scheduler.hpp"
#include "actors/probe/health_counter.hpp"

namespace hamesh::ipvs {

struct pool_member {
  uint32_t address = 0;
  uint16_t port = 0;
  real_entry entry;  // weight and availability as the scheduler sees them
};

// What the data plane forwards to: the real servers in config order, then the sorry server
// (always present, available only while the service is below quorum).
struct pool_view {
  std::vector<pool_member> members;
  bool in_quorum = true;
  bool sorry_active = false;
};

class service_table {
 public:
  explicit service_table(const service_settings& service);

  // A probe's verdict on real server `index`; unknown counts as up (keepalived's default:
  // a server is in the pool until a check says otherwise).
  void set_health(size_t index, probe::health h);
  // Drained: weight 0, existing connections (and, with persistence, returning clients) finish.
  void set_drained(size_t index, bool drained);

  size_t size() const { return reals_.size(); }
  const real_settings& real(size_t index) const { return cfg_.reals[index]; }
  probe::health health(size_t index) const { return reals_[index].health; }
  bool drained(size_t index) const { return reals_[index].drained; }
  // Index of the real server named `name` or with endpoint `name` ("10.0.1.1:25").
  std::optional<size_t> find(const std::string& name) const;

  // The weight new connections see: configured, 0 when drained, 0 when failed and inhibited.
  uint32_t effective_weight(size_t index) const;
  // In the pool at all: failed servers leave it unless inhibit_on_failure keeps them at 0.
  bool in_pool(size_t index) const;
  // Sum of the weights of healthy, undrained real servers (keepalived's quorum rule).
  uint64_t alive_weight() const;
  bool in_quorum() const { return alive_weight() >= cfg_.quorum; }

  pool_view view() const;

 private:
  struct real_state {
    probe::health health = probe::health::unknown;
    bool drained = false;
  };
  service_settings cfg_;
  std::vector<real_state> reals_;
};

}  // namespace hamesh::ipvs
