#pragma once
// Everything a node's config says, as plain values. Functions see only their own part.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/heartbeat/heartbeat_config.hpp"
#include "actors/ipvs/ipvs_config.hpp"
#include "actors/probe/probe_config.hpp"
#include "actors/proxy/http/http_proxy_config.hpp"
#include "actors/proxy/mail/mail_proxy_config.hpp"
#include "actors/replica/replica_volume_config.hpp"
#include "actors/ticker/ticker_config.hpp"
#include "actors/vrrp/vrrp_config.hpp"
#include "runtime/duration.hpp"
#include "runtime/supervision/policy.hpp"

namespace hamesh::config {

struct node_section {
  std::string name;
};

// [mesh]: the endpoint this node publishes its actors on (peers and hameshctl connect
// here) and the peers it keeps connections to.
struct mesh_section {
  bool enabled = false;
  std::string listen_host;
  uint16_t listen_port = 0;
  std::vector<std::string> peers;  // "HOST:PORT" of the other nodes' [mesh] listen
  // Pings (and CAF's middleman keep-alive) every heartbeat; a peer silent for down_after is
  // down. CAF's own default is no keep-alive, so a stalled peer would never be noticed.
  duration heartbeat = std::chrono::milliseconds(500);
  duration down_after = std::chrono::seconds(3);
};

// [tls]: mutual TLS for the mesh, with certificates of the cluster CA.
struct tls_section {
  bool enabled = false;
  std::filesystem::path ca;
  std::filesystem::path certificate;
  std::filesystem::path key;
  std::string passphrase;
};

// [metrics]: Prometheus text format on http://listen/metrics.
struct metrics_section {
  bool enabled = false;
  std::string listen_host;
  uint16_t listen_port = 0;
};

struct log_section {
  std::string level = "info";                 // trace, debug, info, warn, error, critical, off
  std::string format = "text";                // text or json (one JSON object per line)
  std::optional<std::filesystem::path> file;  // stderr when unset
  // Per-component levels; a component is an actor path, and the longest prefix wins.
  std::vector<std::pair<std::string, std::string>> components;
};

struct subtree_supervision {
  supervision::strategy strategy = supervision::strategy::one_for_one;
  supervision::restart_intensity intensity;
};

struct supervision_section {
  // The node's top; subtrees default to the same intensity.
  supervision::restart_intensity root{5, std::chrono::seconds(30)};
  // Per child, how long a graceful stop may take before it is killed.
  duration shutdown_timeout = std::chrono::seconds(5);
  // SIGTERM: the whole tree must be down by then, or what is left is killed.
  duration stop_deadline = std::chrono::seconds(30);
  // Per function subtree: demo, lb, proxy, storage.
  std::map<std::string, subtree_supervision> subtrees;
};

struct demo_section {
  bool enabled = false;
  std::vector<ticker::ticker_config> tickers;
};

struct vrrp_section {
  bool enabled = false;
  std::vector<vrrp::instance_settings> instances;
};

struct probe_section {
  bool enabled = false;
  std::vector<probe::standalone_probe> checks;
};

struct ipvs_section {
  bool enabled = false;
  std::vector<ipvs::service_settings> services;
};

struct proxy_section {
  bool enabled = false;
  std::vector<proxy::http::http_listener_config> http;
  std::vector<proxy::mail::mail_listener_config> mail;
};

struct storage_section {
  bool enabled = false;
  std::vector<replica::replica_volume_config> volumes;
};

// [heartbeat]: the storage pair this node is a member of (actors/heartbeat). Its actor lives
// in the storage subtree, beside the replicas it promotes.
struct heartbeat_section {
  bool enabled = false;
  heartbeat::heartbeat_config pair;
};

struct node_config {
  std::filesystem::path file;  // the config file, absolute
  node_section node;
  mesh_section mesh;
  tls_section tls;
  metrics_section metrics;
  log_section log;
  supervision_section supervision;
  demo_section demo;
  vrrp_section vrrp;
  probe_section probe;
  ipvs_section ipvs;
  proxy_section proxy;
  storage_section storage;
  heartbeat_section heartbeat;

  // The supervision settings of a function subtree, with the defaults of DESIGN.md.
  subtree_supervision subtree(const std::string& function) const;
};

// The function subtrees a config may name, with their default strategies.
const std::vector<std::pair<std::string, supervision::strategy>>& function_subtrees();

}  // namespace hamesh::config
