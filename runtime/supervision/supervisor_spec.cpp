#include "runtime/supervision/supervisor_spec.hpp"

namespace hamesh::supervision {

std::string supervisor_spec::fingerprint() const {
  return "strategy=" + std::string(to_string(strat)) +
         ";max_restarts=" + std::to_string(intensity.max_restarts) +
         ";period=" + format_duration(intensity.period) +
         ";shutdown_timeout=" + format_duration(shutdown_timeout);
}

std::vector<child_info> supervisor_spec::child_infos() const {
  std::vector<child_info> out;
  out.reserve(children.size());
  for (auto& c : children) out.push_back(c.info);
  return out;
}

const child_spec* supervisor_spec::find(const std::string& name) const {
  for (auto& c : children)
    if (c.info.name == name) return &c;
  return nullptr;
}

}  // namespace hamesh::supervision
