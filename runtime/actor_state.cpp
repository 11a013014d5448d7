#include "runtime/actor_state.hpp"

#include <nlohmann/json.hpp>

namespace hamesh {
namespace {

nlohmann::json to_object(const actor_state& s) {
  nlohmann::json j;
  j["path"] = s.path;
  j["name"] = s.name;
  j["kind"] = s.kind;
  j["status"] = s.status;
  j["restarts"] = s.restarts;
  j["uptime_ms"] = s.uptime_ms < 0 ? nlohmann::json() : nlohmann::json(s.uptime_ms);
  j["last_failure"] = s.last_failure.empty() ? nlohmann::json() : nlohmann::json(s.last_failure);
  j["last_failure_age_ms"] =
      s.last_failure_age_ms < 0 ? nlohmann::json() : nlohmann::json(s.last_failure_age_ms);
  // Actors build fields_json themselves; a broken one must not break the whole document.
  j["fields"] = nlohmann::json::parse(s.fields_json, nullptr, false);
  if (j["fields"].is_discarded()) j["fields"] = {{"unparsable_fields", s.fields_json}};
  auto children = nlohmann::json::array();
  for (auto& c : s.children) children.push_back(to_object(c));
  j["children"] = std::move(children);
  return j;
}

}  // namespace

std::string to_json(const actor_state& state, int indent) {
  return to_object(state).dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

const actor_state* find_path(const actor_state& tree, const std::string& path) {
  if (tree.path == path) return &tree;
  for (auto& c : tree.children)
    if (auto* hit = find_path(c, path)) return hit;
  return nullptr;
}

}  // namespace hamesh
