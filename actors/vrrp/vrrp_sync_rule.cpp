#include "actors/vrrp/vrrp_sync_rule.hpp"

namespace hamesh::vrrp {

bool group_allows_master(const std::vector<member_report>& members) {
  for (auto& m : members)
    if (m.state != "MASTER" && !m.ready) return false;
  return !members.empty();
}

}  // namespace hamesh::vrrp
