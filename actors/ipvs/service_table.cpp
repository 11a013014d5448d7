#include "actors/ipvs/service_table.hpp"

namespace hamesh::ipvs {

service_table::service_table(const service_settings& service)
    : cfg_(service), reals_(service.reals.size()) {}

void service_table::set_health(size_t index, probe::health h) {
  reals_.at(index).health = h;
}

void service_table::set_drained(size_t index, bool drained) {
  reals_.at(index).drained = drained;
}

std::optional<size_t> service_table::find(const std::string& name) const {
  for (size_t i = 0; i < cfg_.reals.size(); ++i)
    if (cfg_.reals[i].name == name || cfg_.reals[i].endpoint() == name) return i;
  return std::nullopt;
}

uint32_t service_table::effective_weight(size_t index) const {
  auto& r = reals_[index];
  if (r.drained || r.health == probe::health::down) return 0;
  return cfg_.reals[index].weight;
}

bool service_table::in_pool(size_t index) const {
  return reals_[index].health != probe::health::down || cfg_.inhibit_on_failure;
}

uint64_t service_table::alive_weight() const {
  uint64_t sum = 0;
  for (size_t i = 0; i < reals_.size(); ++i) sum += effective_weight(i);
  return sum;
}

pool_view service_table::view() const {
  pool_view v;
  v.in_quorum = in_quorum();
  // keepalived: below quorum the sorry server replaces the real servers that are left; with
  // no sorry server they go on serving as well as they can.
  v.sorry_active = !v.in_quorum && cfg_.sorry_server.has_value();
  for (size_t i = 0; i < cfg_.reals.size(); ++i) {
    pool_member m;
    m.address = cfg_.reals[i].address;
    m.port = cfg_.reals[i].port;
    m.entry.weight = effective_weight(i);
    m.entry.available = in_pool(i) && !v.sorry_active;
    v.members.push_back(m);
  }
  pool_member sorry;
  if (cfg_.sorry_server) {
    sorry.address = cfg_.sorry_server->address;
    sorry.port = cfg_.sorry_server->port;
  }
  sorry.entry.weight = 1;
  sorry.entry.available = v.sorry_active;
  v.members.push_back(sorry);
  return v;
}

}  // namespace hamesh::ipvs
