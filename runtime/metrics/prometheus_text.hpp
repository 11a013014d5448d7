#pragma once
// A node's state tree in the Prometheus text exposition format (version 0.0.4).
// Every actor gives hamesh_actor_up / _restarts_total / _uptime_seconds with its path and
// kind; an actor's own counters come from the "metrics" array in its fields (each function
// declares its own there: {"name", "type", "help", "labels", "value"}), named hamesh_<name>.
#include <string>

#include "runtime/actor_state.hpp"

namespace hamesh::metrics {

std::string render_prometheus(const actor_state& root);

// Escapes a label value: backslash, double quote and newline (exposition format rules).
std::string escape_label(const std::string& value);

}  // namespace hamesh::metrics
