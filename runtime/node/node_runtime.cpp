#include "runtime/node/node_runtime.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include <csignal>
#include <iostream>

#include "config/loader.hpp"
#include "runtime/caf_types.hpp"
#include "runtime/logging.hpp"
#include "runtime/node/node_tree.hpp"
#include "runtime/supervision/supervisor.hpp"

namespace hamesh::node {
namespace {

using namespace std::chrono_literals;

logging::settings log_settings(const config::log_section& s) {
  return {s.level, s.format, s.file, s.components};
}

bool all_started(const actor_state& s) {
  if (s.status == "starting") return false;
  for (auto& c : s.children)
    if (!all_started(c)) return false;
  return true;
}

std::optional<actor_state> query_state(caf::scoped_actor& self, const caf::actor& root) {
  std::optional<actor_state> out;
  self->request(root, 5s, state_atom_v, std::string())
      .receive([&](actor_state& s) { out = std::move(s); }, [&](caf::error&) {});
  return out;
}

// SIGHUP: apply a new config if it is valid; parts that cannot change live are refused.
void reload(caf::scoped_actor& self, const caf::actor& root, config::node_config& current,
            spdlog::logger& log) {
  log.info("SIGHUP: reloading {}", current.file.string());
  auto next = config::load_node_config(current.file);
  if (!next.config) {
    log.error("reload refused, {} error(s); the running config stays:", next.errors.size());
    for (auto& e : next.errors) log.error("  {}", e.render());
    return;
  }
  auto& cfg = *next.config;
  if (cfg.node.name != current.node.name) {
    log.error(
        "reload refused: node.name changed from \"{}\" to \"{}\"; restart the node to rename it",
        current.node.name, cfg.node.name);
    return;
  }
  auto same_endpoint = [](const config::node_config& a, const config::node_config& b) {
    return a.mesh.enabled == b.mesh.enabled && a.mesh.listen_host == b.mesh.listen_host &&
           a.mesh.listen_port == b.mesh.listen_port && a.mesh.heartbeat == b.mesh.heartbeat &&
           a.mesh.down_after == b.mesh.down_after && a.tls.enabled == b.tls.enabled &&
           a.tls.ca == b.tls.ca && a.tls.certificate == b.tls.certificate && a.tls.key == b.tls.key;
  };
  if (!same_endpoint(cfg, current)) {
    log.error(
        "reload refused: mesh.listen, heartbeat, down_after or [tls] changed; those need a "
        "restart of the node (mesh.peers may change live)");
    return;
  }
  std::string why;
  if (!logging::configure(log_settings(cfg.log), &why)) {
    log.error("reload refused: cannot open log file: {}", why);
    return;
  }
  self->send(root, reload_atom_v, build_node_tree(cfg));
  current = std::move(cfg);
  log.info("reload accepted; changed subtrees restart, the rest keep running");
}

void forget_node_registration(caf::scoped_actor& self) {
  self->system().registry().erase(node_registry_name);
}

// SIGTERM: children stop in reverse order, each within shutdown_timeout; the whole tree
// within stop_deadline, after which what is left is killed.
bool stop_tree(caf::scoped_actor& self, const caf::actor& root, const config::node_config& cfg,
               spdlog::logger& log) {
  caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
  bool down = false;
  self->receive([&](caf::down_msg&) { down = true; },
                caf::after(cfg.supervision.stop_deadline) >> [] {});
  forget_node_registration(self);
  if (down) return true;
  log.error("the tree did not stop within {}; killing what is left",
            format_duration(cfg.supervision.stop_deadline));
  caf::anon_send(root, halt_atom_v);
  bool halted = false;
  self->receive([&](caf::down_msg&) { halted = true; }, caf::after(2s) >> [] {});
  if (!halted) caf::anon_send_exit(root, caf::exit_reason::kill);
  return false;
}

}  // namespace

sigset_t node_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, s);
  return signals;
}

void block_node_signals() {
  sigset_t signals = node_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

int run_node(const config::node_config& initial, const run_options& options) {
  config::node_config current = initial;
  std::string why;
  if (!logging::configure(log_settings(current.log), &why)) {
    std::cerr << "hamesh-node: cannot open log file: " << why << "\n";
    return 1;
  }
  auto log = logging::get("node");

  sigset_t signals = node_signals();

  caf::actor_system_config sys_cfg;
  add_message_types(sys_cfg);
  sys_cfg.load<caf::io::middleman>();
  if (current.tls.enabled) {
    sys_cfg.load<caf::openssl::manager>();
    sys_cfg.set("openssl.certificate", current.tls.certificate.string());
    sys_cfg.set("openssl.key", current.tls.key.string());
    sys_cfg.set("openssl.cafile", current.tls.ca.string());
    if (!current.tls.passphrase.empty()) sys_cfg.set("openssl.passphrase", current.tls.passphrase);
  }
  if (current.mesh.enabled) {
    sys_cfg.set("middleman.heartbeat-interval", caf::timespan{current.mesh.heartbeat});
    sys_cfg.set("middleman.connection-timeout", caf::timespan{current.mesh.down_after});
  }
  // CAF's idle workers poll their queue with 50 us sleeps before they block on a condition
  // variable; a message arriving then waits out the sleep. Failover timing is made of such
  // hand-offs (socket reader -> VRRP actor, timer -> actor), so idle workers skip the
  // sleeping phase: a short spin, then the condition variable, which a new message wakes.
  sys_cfg.set("work-stealing.moderate-sleep-duration", caf::timespan{0});
  caf::actor_system sys{sys_cfg};
  caf::scoped_actor self{sys};

  auto root = supervision::spawn_node_root(sys, build_node_tree(current), current.node.name);
  self->monitor(root);
  log->info("node {} starting (config {})", current.node.name, current.file.string());

  if (current.mesh.enabled) {
    const char* host = current.mesh.listen_host.c_str();
    auto port = current.tls.enabled
                    ? caf::openssl::publish(root, current.mesh.listen_port, host, true)
                    : sys.middleman().publish(root, current.mesh.listen_port, host, true);
    if (!port) {
      log->error("cannot listen on {}:{}: {}", current.mesh.listen_host, current.mesh.listen_port,
                 describe(port.error()));
      stop_tree(self, root, current, *log);
      return 1;
    }
    log->info("control endpoint listening on {}:{} ({})", current.mesh.listen_host, *port,
              current.tls.enabled ? "mutual TLS" : "plain, loopback only");
  }

  if (options.dump_state) {
    std::optional<actor_state> state;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    do {
      state = query_state(self, root);
      if (state && all_started(*state)) break;
      std::this_thread::sleep_for(20ms);
    } while (std::chrono::steady_clock::now() < deadline);
    if (state) std::cout << to_json(*state, 2) << std::endl;
    bool clean = stop_tree(self, root, current, *log);
    log->info("node {} stopped", current.node.name);
    return state && clean ? 0 : 1;
  }

  for (;;) {
    timespec tick{0, 200'000'000};
    int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig == SIGHUP) {
      reload(self, root, current, *log);
    } else if (sig == SIGTERM || sig == SIGINT) {
      log->info("{}: stopping the tree in reverse order (deadline {})",
                sig == SIGTERM ? "SIGTERM" : "SIGINT",
                format_duration(current.supervision.stop_deadline));
      bool clean = stop_tree(self, root, current, *log);
      log->info("node {} stopped{}", current.node.name, clean ? "" : " (forced)");
      return clean ? 0 : 1;
    }
    bool root_down = false;
    self->receive(
        [&](caf::down_msg& dm) {
          root_down = true;
          log->critical("the node's top supervisor died ({}); exiting", describe(dm.reason));
        },
        caf::after(0s) >> [] {});
    if (root_down) return 1;
  }
}

}  // namespace hamesh::node
