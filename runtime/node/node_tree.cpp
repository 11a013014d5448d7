#include "runtime/node/node_tree.hpp"

#include <caf/actor.hpp>

#include "actors/heartbeat/heartbeat_actor.hpp"
#include "actors/ipvs/ipvs_actor.hpp"
#include "actors/probe/probe_actor.hpp"
#include "actors/proxy/http/http_listener_actor.hpp"
#include "actors/proxy/mail/mail_listener_actor.hpp"
#include "actors/replica/replica_actor.hpp"
#include "actors/ticker/ticker_actor.hpp"
#include "actors/vrrp/vrrp_actor.hpp"
#include "actors/vrrp/vrrp_sync_group.hpp"

#include <algorithm>
#include "runtime/caf_types.hpp"
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

child_spec probe_child(const std::string& name, const probe::check_settings& check) {
  child_spec c;
  c.info = {name, "probe", supervision::restart_type::permanent, check.fingerprint()};
  c.start = [check](caf::local_actor* parent, const std::string& path) {
    return probe::spawn_probe(parent, path, check);
  };
  return c;
}

// The load-balancer subtree, rest_for_one in this order: IPVS services first, so that a
// probe's restart never restarts a service (whose forwarder holds the connections); then
// the probes, which services find by path and subscribe to; then the VRRP instances, which
// track probes and services.
std::shared_ptr<const supervisor_spec> lb_tree(const config::node_config& cfg) {
  auto spec = subtree_spec(cfg, "lb");
  for (const auto& service : cfg.ipvs.services) {
    child_spec c;
    c.info = {"ipvs/" + service.name, "ipvs", supervision::restart_type::permanent,
              service.listener_fingerprint(), service.fingerprint()};
    c.start = [service](caf::local_actor* parent, const std::string& path) {
      return ipvs::spawn_ipvs_service(parent, path, service);
    };
    // Weights, real servers, scheduler, timeouts: taken live, the connections stay.
    c.update = [service](caf::local_actor*, const caf::actor& child) {
      caf::anon_send(child, ipvs_update_atom_v,
                     std::make_shared<const ipvs::service_settings>(service));
    };
    spec->children.push_back(std::move(c));
  }
  for (const auto& service : cfg.ipvs.services)
    if (service.check)
      for (const auto& real : service.reals)
        spec->children.push_back(
            probe_child(ipvs::probe_name(service, real), service.check_for(real)));
  for (const auto& p : cfg.probe.checks)
    spec->children.push_back(probe_child("probe/" + p.name, p.check));
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

// The proxy subtree (one_for_one): one child per listener; a listener that fails costs its
// own connections only.
std::shared_ptr<const supervisor_spec> proxy_tree(const config::node_config& cfg) {
  auto spec = subtree_spec(cfg, "proxy");
  for (const auto& listener : cfg.proxy.http) {
    child_spec c;
    // Every change is taken live: a new engine takes the listening socket over, the old one
    // finishes its requests (http_listener_actor.hpp).
    c.info = {"http/" + listener.name, "http", supervision::restart_type::permanent, "http",
              listener.fingerprint()};
    c.start = [listener](caf::local_actor* parent, const std::string& path) {
      return proxy::http::spawn_http_listener(parent, path, listener);
    };
    c.update = [listener](caf::local_actor*, const caf::actor& child) {
      caf::anon_send(child, http_update_atom_v,
                     std::make_shared<const proxy::http::http_listener_config>(listener));
    };
    spec->children.push_back(std::move(c));
  }
  // Mail listeners take every change live too: proxied sessions and logins under way stay
  // with the old engine (mail_listener_actor.hpp).
  for (const auto& listener : cfg.proxy.mail) {
    child_spec c;
    c.info = {"mail/" + listener.name, "mail", supervision::restart_type::permanent, "mail",
              listener.fingerprint()};
    c.start = [listener](caf::local_actor* parent, const std::string& path) {
      return proxy::mail::spawn_mail_listener(parent, path, listener);
    };
    c.update = [listener](caf::local_actor*, const caf::actor& child) {
      caf::anon_send(child, mail_update_atom_v,
                     std::make_shared<const proxy::mail::mail_listener_config>(listener));
    };
    spec->children.push_back(std::move(c));
  }
  for (const auto& listener : cfg.proxy.mail)
    for (size_t p = 0; p < listener.pair_checks.size(); ++p)
      if (listener.pair_checks[p])
        for (size_t m = 0; m < listener.engine.pairs[p].members.size(); ++m)
          spec->children.push_back(
              probe_child(listener.probe_name(p, m), listener.check_for(p, m)));
  for (const auto& listener : cfg.proxy.http)
    for (size_t p = 0; p < listener.pool_checks.size(); ++p)
      if (listener.pool_checks[p])
        for (size_t srv = 0; srv < listener.engine.pools[p].servers.size(); ++srv)
          spec->children.push_back(
              probe_child(listener.probe_name(p, srv), listener.check_for(p, srv)));
  return spec;
}

// The storage subtree (one_for_all: the heartbeat monitor and the volumes it promotes fail
// over together): one replica per volume.
std::shared_ptr<const supervisor_spec> storage_tree(const config::node_config& cfg) {
  auto spec = subtree_spec(cfg, "storage");
  for (const auto& volume : cfg.storage.volumes) {
    child_spec c;
    c.info = {"replica/" + volume.name, "replica", supervision::restart_type::permanent,
              volume.fingerprint()};
    c.start = [volume, node = cfg.node.name](caf::local_actor* parent, const std::string& path) {
      return replica::spawn_replica(parent, path, volume, node);
    };
    spec->children.push_back(std::move(c));
  }
  // After the replicas: started last, it finds them at once (it looks them up by path, and
  // again whenever one restarted); stopped first (reverse order), it demotes them and tells
  // the peer "released" while they still run, so the peer takes over without deadtime.
  if (cfg.heartbeat.enabled) {
    const auto& hb = cfg.heartbeat.pair;
    child_spec c;
    c.info = {"heartbeat/" + hb.pair, "heartbeat", supervision::restart_type::permanent,
              hb.fingerprint()};
    c.start = [hb](caf::local_actor* parent, const std::string& path) {
      return heartbeat::spawn_heartbeat(parent, path, hb);
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
  if (cfg.vrrp.enabled || cfg.ipvs.enabled || cfg.probe.enabled)
    root->children.push_back(as_child("lb", lb_tree(cfg)));
  if (cfg.proxy.enabled) root->children.push_back(as_child("proxy", proxy_tree(cfg)));
  if (cfg.storage.enabled) root->children.push_back(as_child("storage", storage_tree(cfg)));
  if (cfg.demo.enabled) root->children.push_back(as_child("demo", demo_tree(cfg)));
  return root;
}

}  // namespace hamesh::node
