#pragma once
// Runs a node until SIGTERM/SIGINT: builds the tree, publishes it on [mesh] listen,
// reloads on SIGHUP (an invalid new config is refused and the running one stays).
#include <csignal>

#include "config/node_config.hpp"

namespace hamesh::node {

struct run_options {
  bool dump_state = false;  // print the state tree as JSON once everything is up, then stop
};

// Signals are taken synchronously by the thread that runs the node: call this first thing
// in main, before any thread exists (CAF's threads inherit the mask), so that a SIGTERM
// arriving during start-up waits for the node instead of killing it half-built.
void block_node_signals();

// Returns the process exit code.
int run_node(const config::node_config& cfg, const run_options& options);

}  // namespace hamesh::node
