#include "runtime/node/node_tree.hpp"

#include <caf/actor.hpp>

#include "actors/ticker/ticker_actor.hpp"
#include "actors/vrrp/vrrp_actor.hpp"
#include "actors/vrrp/vrrp_sync_group.hpp"

#include <algorithm>
#include "runtime/mesh/mesh_actor.hpp"
#include "runtime/metrics/metrics_server.hpp"

namespace hamesh::node {
namespace {

using supervision::child_spec;
using supervision::supervisor_spec;

std::shared_ptr<supervisor_spec> subtree_spec(const config::node_config& cfg,
                                              const std::string& function) {
  auto spec = std::make_shared<supervisor_spec>();
  auto policy = cfg.subtree(function);
  spec->strat = policy.strategy;
  spec->intensity = policy.intensity;
  spec->shutdown_timeout = cfg.supervision.shutdown_timeout;
  return spec;
}

child_spec as_child(const std::string& name, std::shared_ptr<const supervisor_spec> sub) {
  child_spec c;
  c.info = {name, "supervisor", supervision::restart_type::permanent, sub->fingerprint()};
  c.subtree = std::move(sub);
  return c;
}

std::shared_ptr<const supervisor_spec> demo_tree(const config::node_config& cfg) {
  auto spec = subtree_spec(cfg, "demo");
  for (const auto& t : cfg.demo.tickers) {
    child_spec c;
    c.info = {"ticker/" + t.name, "ticker", t.restart, t.fingerprint()};
    c.start = [t](caf::local_actor* parent, const std::string& path) {
      return ticker::spawn_ticker(parent, path, t);
    };
    spec->children.push_back(std::move(c));
  }
  return spec;
}

// The load-balancer subtree (rest_for_one: probes and IPVS services before the VRRP
// instances that track them).
std::shared_ptr<const supervisor_spec> lb_tree(const config::node_config& cfg) {
  auto spec = subtree_spec(cfg, "lb");
  // Sync-group coordinators come first: rest_for_one restarts a group's members with it.
  std::vector<std::string> groups;
  for (const auto& instance : cfg.vrrp.instances)
    if (!instance.sync_group.empty() &&
        std::find(groups.begin(), groups.end(), instance.sync_group) == groups.end())
      groups.push_back(instance.sync_group);
  for (const auto& group : groups) {
    std::vector<std::string> members;
    for (const auto& instance : cfg.vrrp.instances)
      if (instance.sync_group == group) members.push_back(instance.name);
    std::string fingerprint;
    for (auto& m : members) fingerprint += m + ",";
    child_spec c;
    c.info = {"vrrp-sync/" + group, "vrrp-sync", supervision::restart_type::permanent, fingerprint};
    c.start = [members](caf::local_actor* parent, const std::string& path) {
      return vrrp::spawn_sync_group(parent, path, members);
    };
    spec->children.push_back(std::move(c));
  }
  for (const auto& instance : cfg.vrrp.instances) {
    child_spec c;
    c.info = {"vrrp/" + instance.name, "vrrp", supervision::restart_type::permanent,
              instance.fingerprint()};
    c.start = [instance](caf::local_actor* parent, const std::string& path) {
      return vrrp::spawn_vrrp_instance(parent, path, instance);
    };
    spec->children.push_back(std::move(c));
  }
  return spec;
}

}  // namespace

std::shared_ptr<const supervisor_spec> build_node_tree(const config::node_config& cfg) {
  auto root = std::make_shared<supervisor_spec>();
  root->strat = supervision::strategy::one_for_one;
  root->intensity = cfg.supervision.root;
  root->shutdown_timeout = cfg.supervision.shutdown_timeout;
  if (cfg.mesh.enabled) {
    child_spec mesh;
    mesh.info = {"mesh", "mesh", supervision::restart_type::permanent, mesh::fingerprint(cfg.mesh)};
    mesh.start = [m = cfg.mesh, tls = cfg.tls.enabled](caf::local_actor* parent,
                                                       const std::string& path) {
      return mesh::spawn_mesh(parent, path, m, tls);
    };
    root->children.push_back(std::move(mesh));
  }
  if (cfg.metrics.enabled) {
    child_spec metrics;
    metrics.info = {"metrics", "metrics", supervision::restart_type::permanent,
                    cfg.metrics.listen_host + ":" + std::to_string(cfg.metrics.listen_port)};
    metrics.start = [host = cfg.metrics.listen_host, port = cfg.metrics.listen_port](
                        caf::local_actor* parent, const std::string& path) {
      return metrics::spawn_metrics_server(parent, path, host, port);
    };
    root->children.push_back(std::move(metrics));
  }
  if (cfg.vrrp.enabled) root->children.push_back(as_child("lb", lb_tree(cfg)));
  if (cfg.demo.enabled) root->children.push_back(as_child("demo", demo_tree(cfg)));
  return root;
}

}  // namespace hamesh::node
