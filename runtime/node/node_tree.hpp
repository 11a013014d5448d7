#pragma once
// Turns a node config into the supervision tree to run: only the functions the config
// names get a subtree. Adding a function means one entry here (its subtree builder).
#include <memory>

#include "config/node_config.hpp"
#include "runtime/supervision/supervisor_spec.hpp"

namespace hamesh::node {

std::shared_ptr<const supervision::supervisor_spec> build_node_tree(const config::node_config& cfg);

}  // namespace hamesh::node
