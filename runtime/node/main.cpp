// hamesh-node: one node of a hamesh cluster, built from its TOML config.
#include <sys/resource.h>
#include <CLI/CLI.hpp>

#include <iostream>

#include "config/loader.hpp"
#include "runtime/node/node_runtime.hpp"

int main(int argc, char** argv) {
  hamesh::node::block_node_signals();
  CLI::App app{"hamesh-node: runs one hamesh node (a supervision tree of cluster functions)"};
  std::string config_path;
  std::string check_path;
  hamesh::node::run_options options;
  auto* config_opt = app.add_option("-c,--config", config_path, "node config file (TOML)");
  auto* check_opt =
      app.add_option("-t,--check-config", check_path,
                     "validate a config (this FILE, or --config's), print every error "
                     "with file:line:column, exit 0 or 1")
          ->expected(0, 1);
  app.add_flag("--dump-state", options.dump_state,
               "start, print the state tree as JSON once every actor is up, stop");
  app.set_version_flag("--version", std::string("hamesh-node ") + HAMESH_VERSION);
  CLI11_PARSE(app, argc, argv);
  bool check_config = check_opt->count() > 0;
  if (check_config && !check_path.empty()) {
    if (config_opt->count() > 0 && config_path != check_path) {
      std::cerr << "hamesh-node: give the file once: --check-config FILE or --config FILE "
                   "--check-config\n";
      return 2;
    }
    config_path = check_path;
  }
  if (config_path.empty()) {
    std::cerr << "hamesh-node: --config FILE is required\nRun with --help for more information.\n";
    return 2;
  }

  auto loaded = hamesh::config::load_node_config(config_path);
  if (!loaded.config) {
    for (auto& e : loaded.errors) std::cerr << e.render() << "\n";
    std::cerr << "hamesh-node: " << loaded.errors.size() << " error(s) in " << config_path
              << (check_config ? "" : "; nothing started") << "\n";
    return 1;
  }
  const auto& cfg = *loaded.config;
  if (check_config) {
    std::cout << "config OK: " << config_path << " (node " << cfg.node.name;
    std::string functions;
    if (cfg.mesh.enabled)
      functions += " mesh(" + std::to_string(cfg.mesh.peers.size()) + " peers" +
                   (cfg.tls.enabled ? ", mutual TLS" : "") + ")";
    if (cfg.metrics.enabled) functions += " metrics";
    if (cfg.vrrp.enabled)
      functions += " vrrp(" + std::to_string(cfg.vrrp.instances.size()) + " instances)";
    if (cfg.ipvs.enabled)
      functions += " ipvs(" + std::to_string(cfg.ipvs.services.size()) + " services)";
    if (cfg.proxy.enabled)
      functions += " proxy(" + std::to_string(cfg.proxy.http.size()) + " http, " +
                   std::to_string(cfg.proxy.mail.size()) + " mail listeners)";
    if (cfg.probe.enabled)
      functions += " probe(" + std::to_string(cfg.probe.checks.size()) + " checks)";
    if (cfg.storage.enabled)
      functions += " storage(" + std::to_string(cfg.storage.volumes.size()) + " volumes" +
                   (cfg.heartbeat.enabled ? ", heartbeat" : "") + ")";
    if (cfg.demo.enabled) functions += " demo";
    std::cout << "; functions:" << (functions.empty() ? " none" : functions) << ")\n";
    return 0;
  }
  // Every proxied connection holds two descriptors: take all the soft limit may have (the
  // hard limit is the operator's, e.g. systemd's LimitNOFILE), as haproxy does.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  return hamesh::node::run_node(cfg, options);
}
