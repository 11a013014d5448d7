#pragma once
// How an actor declares one of its counters or gauges in its state fields ("metrics"
// array), which prometheus_text renders as hamesh_<name>. One helper so every function
// declares them the same way.
#include <nlohmann/json.hpp>
#include <string>

namespace hamesh::metrics {

inline nlohmann::json metric(const std::string& name, const char* type, const std::string& help,
                             double value, nlohmann::json labels = nlohmann::json::object()) {
  return {{"name", name},
          {"type", type},
          {"help", help},
          {"labels", std::move(labels)},
          {"value", value}};
}

}  // namespace hamesh::metrics
