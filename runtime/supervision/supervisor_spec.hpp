#pragma once
// What a supervisor supervises: its policy and, per child, how to start it. Built from the
// config by the node (runtime/node/node_tree.cpp); a reload sends a new one.
#include <caf/fwd.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/duration.hpp"
#include "runtime/supervision/supervisor_core.hpp"

namespace hamesh::supervision {

struct supervisor_spec;

// Spawns a leaf child; `path` is its full actor path, for its logger and state.
using start_function = std::function<caf::actor(caf::local_actor* parent, const std::string& path)>;

// Hands a running leaf its new settings (child_info::settings changed on a reload).
using update_function = std::function<void(caf::local_actor* parent, const caf::actor& child)>;

struct child_spec {
  child_info info;
  start_function start;                            // set for leaves
  update_function update;                          // set for leaves that take info.settings live
  std::shared_ptr<const supervisor_spec> subtree;  // set for supervisors
};

struct supervisor_spec {
  strategy strat = strategy::one_for_one;
  restart_intensity intensity;
  duration shutdown_timeout = std::chrono::seconds(5);
  std::vector<child_spec> children;

  // The supervisor's own settings (not its children's): what makes a parent restart it.
  std::string fingerprint() const;
  std::vector<child_info> child_infos() const;
  const child_spec* find(const std::string& name) const;
};

}  // namespace hamesh::supervision
