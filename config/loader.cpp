#include "config/loader.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "config/endpoint.hpp"
#include "config/name_rules.hpp"
#include "config/table_reader.hpp"

namespace hamesh::config {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> log_levels = {"trace", "debug",    "info", "warn",
                                             "error", "critical", "off"};

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

void read_node(table_reader& root, node_config& cfg) {
  auto t = root.table("node", true);
  if (!t) return;
  if (auto name = t->string("name", true)) {
    if (!valid_name(*name)) t->error("name", name_rule_message(*name));
    cfg.node.name = *name;
  }
  t->finish();
}

void read_mesh(table_reader& root, node_config& cfg) {
  auto t = root.table("mesh");
  if (!t) return;
  cfg.mesh.enabled = true;
  if (auto ep = t->endpoint("listen", true, true)) {
    cfg.mesh.listen_host = ep->first;
    cfg.mesh.listen_port = ep->second;
  }
  if (!cfg.tls.enabled && !cfg.mesh.listen_host.empty() && !is_loopback(cfg.mesh.listen_host))
    t->error("listen",
             "expected a loopback address without [tls] (this endpoint controls actors; "
             "expose it beyond this host only with mutual TLS), found \"" +
                 cfg.mesh.listen_host + "\"");
  if (auto peers = t->string_array("peers")) {
    std::set<std::string> seen;
    for (size_t i = 0; i < peers->size(); ++i) {
      const auto& p = (*peers)[i];
      bool ok = split_endpoint(p, false).has_value();
      if (!ok)
        t->error(
            "peers",
            "expected \"HOST:PORT\" entries with a port in 1..65535, found string \"" + p + "\"");
      else if (!seen.insert(p).second)
        t->error("peers", "duplicate peer \"" + p + "\"");
      else if (p == cfg.mesh.listen_host + ":" + std::to_string(cfg.mesh.listen_port))
        t->error("peers", "a node is not its own peer: \"" + p + "\" is mesh.listen");
    }
    cfg.mesh.peers = *peers;
  }
  if (auto v = t->duration_value("heartbeat", 10ms, 1min)) cfg.mesh.heartbeat = *v;
  if (auto v = t->duration_value("down_after", 50ms, 10min)) cfg.mesh.down_after = *v;
  if (cfg.mesh.down_after <= cfg.mesh.heartbeat)
    t->error("down_after", "expected a duration longer than mesh.heartbeat (" +
                               format_duration(cfg.mesh.heartbeat) + "), found " +
                               format_duration(cfg.mesh.down_after));
  t->finish();
}

// CAF aborts the process on a certificate or key it cannot load: check them here, so that
// --check-config and a reload say which file is wrong instead.
void require_readable(table_reader& t, const std::string& key, const std::filesystem::path& p) {
  std::ifstream in(p);
  if (!in) t.error(key, "cannot read \"" + p.string() + "\"");
}

void read_tls(table_reader& root, node_config& cfg) {
  auto t = root.table("tls");
  if (!t) return;
  cfg.tls.enabled = true;
  if (auto p = t->path("ca", true)) require_readable(*t, "ca", cfg.tls.ca = *p);
  if (auto p = t->path("certificate", true))
    require_readable(*t, "certificate", cfg.tls.certificate = *p);
  if (auto p = t->path("key", true)) require_readable(*t, "key", cfg.tls.key = *p);
  if (auto v = t->string("passphrase")) cfg.tls.passphrase = *v;
  t->finish();
}

void read_metrics(table_reader& root, node_config& cfg) {
  auto t = root.table("metrics");
  if (!t) return;
  cfg.metrics.enabled = true;
  if (auto ep = t->endpoint("listen", true, true)) {
    cfg.metrics.listen_host = ep->first;
    cfg.metrics.listen_port = ep->second;
  }
  t->finish();
}

void read_log(table_reader& root, node_config& cfg) {
  auto t = root.table("log");
  if (!t) return;
  if (auto v = t->choice("level", log_levels)) cfg.log.level = *v;
  if (auto v = t->choice("format", {"text", "json"})) cfg.log.format = *v;
  if (auto v = t->path("file")) cfg.log.file = *v;
  if (auto components = t->table("components")) {
    for (auto& key : components->keys()) {
      if (auto v = components->choice(key, log_levels)) cfg.log.components.emplace_back(key, *v);
    }
    components->finish();
  }
  t->finish();
}

void read_supervision(table_reader& root, node_config& cfg) {
  auto t = root.table("supervision");
  if (!t) return;
  auto& s = cfg.supervision;
  if (auto v = t->integer("max_restarts", 0, 1000)) s.root.max_restarts = static_cast<uint32_t>(*v);
  if (auto v = t->duration_value("period", 1ms, 24h)) s.root.period = *v;
  if (auto v = t->duration_value("shutdown_timeout", 1ms, 10min)) s.shutdown_timeout = *v;
  if (auto v = t->duration_value("stop_deadline", 1ms, 1h)) s.stop_deadline = *v;
  if (s.stop_deadline < s.shutdown_timeout)
    t->error("stop_deadline", "expected at least supervision.shutdown_timeout (" +
                                  format_duration(s.shutdown_timeout) + "), found " +
                                  format_duration(s.stop_deadline));
  for (auto& [function, default_strategy] : function_subtrees()) {
    auto sub = t->table(function);
    if (!sub) continue;
    subtree_supervision entry{default_strategy, s.root};
    if (auto v = sub->choice("strategy", {"one_for_one", "one_for_all", "rest_for_one"}))
      entry.strategy = *supervision::parse_strategy(*v);
    if (auto v = sub->integer("max_restarts", 0, 1000))
      entry.intensity.max_restarts = static_cast<uint32_t>(*v);
    if (auto v = sub->duration_value("period", 1ms, 24h)) entry.intensity.period = *v;
    sub->finish();
    s.subtrees[function] = entry;
  }
  t->finish();
}

void read_demo(table_reader& root, node_config& cfg) {
  auto t = root.table("demo");
  if (!t) return;
  cfg.demo.enabled = true;
  cfg.demo.tickers = ticker::parse_tickers(*t);
  t->finish();
}

void read_vrrp(table_reader& root, node_config& cfg) {
  auto t = root.table("vrrp");
  if (!t) return;
  cfg.vrrp.enabled = true;
  cfg.vrrp.instances = vrrp::parse_instances(*t);
  t->finish();
}

void read_probe(table_reader& root, node_config& cfg) {
  auto t = root.table("probe");
  if (!t) return;
  cfg.probe.enabled = true;
  cfg.probe.checks = probe::parse_standalone_probes(*t);
  t->finish();
}

void read_ipvs(table_reader& root, node_config& cfg) {
  auto t = root.table("ipvs");
  if (!t) return;
  cfg.ipvs.enabled = true;
  cfg.ipvs.services = ipvs::parse_services(*t);
  t->finish();
}

void read_proxy(table_reader& root, node_config& cfg) {
  auto t = root.table("proxy");
  if (!t) return;
  cfg.proxy.enabled = true;
  cfg.proxy.http = proxy::http::parse_http_listeners(*t);
  cfg.proxy.mail = proxy::mail::parse_mail_listeners(*t);
  t->finish();
}

void read_storage(table_reader& root, node_config& cfg) {
  auto t = root.table("storage");
  if (!t) return;
  cfg.storage.enabled = true;
  cfg.storage.volumes = replica::parse_volumes(*t);
  t->finish();
}

// After [node] and [storage]: the pair's `self` is the node's name, and its replica
// resources must name this node's volumes.
void read_heartbeat(table_reader& root, node_config& cfg) {
  auto t = root.table("heartbeat");
  if (!t) return;
  cfg.heartbeat.enabled = true;
  cfg.heartbeat.pair = heartbeat::parse_heartbeat(*t, cfg.node.name, cfg.storage.volumes);
  // Its actor is a child of the storage subtree, which only a [storage] table starts.
  if (!cfg.storage.enabled)
    t->error("", "a [heartbeat] needs the [storage] it fails over ([[storage.volume]])");
  bool over_mesh = false;
  for (auto& l : cfg.heartbeat.pair.links) over_mesh = over_mesh || l.over_mesh;
  if (over_mesh && (!cfg.mesh.enabled || cfg.mesh.peers.empty()))
    t->error("mesh", "heartbeats over the mesh need [mesh] peers (the peer node's listen)");
}

}  // namespace

const std::vector<std::pair<std::string, supervision::strategy>>& function_subtrees() {
  // DESIGN.md: lb is rest_for_one (probes before the services that use them), proxy
  // one_for_one, storage one_for_all (heartbeat and replica fail over together).
  static const std::vector<std::pair<std::string, supervision::strategy>> subtrees = {
      {"demo", supervision::strategy::one_for_one},
      {"lb", supervision::strategy::rest_for_one},
      {"proxy", supervision::strategy::one_for_one},
      {"storage", supervision::strategy::one_for_all},
  };
  return subtrees;
}

subtree_supervision node_config::subtree(const std::string& function) const {
  if (auto it = supervision.subtrees.find(function); it != supervision.subtrees.end())
    return it->second;
  subtree_supervision out{supervision::strategy::one_for_one, supervision.root};
  for (auto& [name, strat] : function_subtrees())
    if (name == function) out.strategy = strat;
  return out;
}

load_result load_node_config_text(const std::string& text, const std::string& file_name,
                                  const std::filesystem::path& base_dir) {
  load_result result;
  toml::table doc;
  try {
    doc = toml::parse(text, file_name);
  } catch (const toml::parse_error& e) {
    result.errors.push_back({file_name, static_cast<unsigned>(e.source().begin.line),
                             static_cast<unsigned>(e.source().begin.column), "",
                             "TOML syntax: " + std::string(e.description())});
    return result;
  }
  node_config cfg;
  source_context ctx{file_name, base_dir, &result.errors};
  table_reader root(doc, "", ctx);
  read_node(root, cfg);
  read_tls(root, cfg);  // before [mesh], whose rules depend on it
  read_mesh(root, cfg);
  read_metrics(root, cfg);
  read_log(root, cfg);
  read_supervision(root, cfg);
  read_demo(root, cfg);
  read_vrrp(root, cfg);
  read_probe(root, cfg);
  read_ipvs(root, cfg);
  read_proxy(root, cfg);
  read_storage(root, cfg);
  read_heartbeat(root, cfg);
  root.finish();
  if (result.errors.empty()) result.config = std::move(cfg);
  return result;
}

load_result load_node_config(const std::filesystem::path& file) {
  std::error_code ec;
  auto absolute = std::filesystem::absolute(file, ec);
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    load_result r;
    r.errors.push_back({file.string(), 0, 0, "", "cannot open the file for reading"});
    return r;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  auto r = load_node_config_text(buf.str(), file.string(), absolute.parent_path());
  if (r.config) r.config->file = absolute;
  return r;
}

}  // namespace hamesh::config
