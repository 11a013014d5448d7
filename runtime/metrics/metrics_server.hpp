#pragma once
// The `metrics` actor: serves GET /metrics ([metrics] listen) in Prometheus text format,
// answering each scrape from a fresh state query of the node's top.
#include <caf/fwd.hpp>

#include <string>

namespace hamesh::metrics {

caf::actor spawn_metrics_server(caf::local_actor* parent, const std::string& path,
                                const std::string& host, uint16_t port);

}  // namespace hamesh::metrics
