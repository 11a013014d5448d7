#pragma once
// What every actor answers to a state query; a supervisor's answer nests its children's.
// Plain data: it crosses the mesh (see caf_types.hpp) and becomes hameshctl's JSON.
#include <cstdint>
#include <string>
#include <vector>

namespace hamesh {

struct actor_state {
  std::string path;    // from the node's top: "demo/ticker/t1"; the top itself is "/"
  std::string name;    // the last segment(s) as its supervisor knows it: "ticker/t1"
  std::string kind;    // "node", "supervisor", "ticker", "vrrp", ...
  std::string status;  // running, stopped, failed, unresponsive
  uint32_t restarts = 0;
  int64_t uptime_ms = -1;  // -1 when not running
  std::string last_failure;
  int64_t last_failure_age_ms = -1;  // -1 when it never failed
  std::string fields_json = "{}";    // the actor's own fields, a JSON object
  std::vector<actor_state> children;
};

// {"path":..., "kind":..., "status":..., "restarts":..., ..., "fields":{...}, "children":[...]}
std::string to_json(const actor_state& state, int indent = -1);

// Finds the entry at `path` in a tree, or nullptr.
const actor_state* find_path(const actor_state& tree, const std::string& path);

}  // namespace hamesh
