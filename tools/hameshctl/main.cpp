// hameshctl: inspects and acts on a live hamesh node over its control endpoint ([mesh] listen).
// Exit codes: 0 done; 1 the node refused (unknown path, ...); 3 the node cannot be reached;
// other non-zero values are command-line errors.
#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include <unistd.h>

#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "runtime/caf_types.hpp"
#include "tools/hameshctl/pki.hpp"
#include "tools/hameshctl/state_view.hpp"

namespace {

using namespace std::chrono_literals;

constexpr int exit_refused = 1;
constexpr int exit_unreachable = 3;

struct options {
  std::string node = "127.0.0.1:4700";
  std::string ca, cert, key;
  bool json = false;
  std::chrono::milliseconds timeout{5000};
  int64_t interval_ms = 1000;
  int64_t count = 0;
};

std::string normalize(std::string path) {
  while (!path.empty() && path.front() == '/') path.erase(path.begin());
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path;
}

int run(const options& opt, const std::string& command, const std::string& path_arg,
        const std::string& real_arg) {
  auto colon = opt.node.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "hameshctl: -n expects HOST:PORT, got \"" << opt.node << "\"\n";
    return 2;
  }
  std::string host = opt.node.substr(0, colon);
  uint16_t port = static_cast<uint16_t>(std::stoi(opt.node.substr(colon + 1)));
  bool tls = !opt.cert.empty() || !opt.key.empty() || !opt.ca.empty();

  caf::actor_system_config cfg;
  hamesh::add_message_types(cfg);
  cfg.load<caf::io::middleman>();
  if (tls) {
    cfg.load<caf::openssl::manager>();
    cfg.set("openssl.certificate", opt.cert);
    cfg.set("openssl.key", opt.key);
    cfg.set("openssl.cafile", opt.ca);
  }
  caf::actor_system sys{cfg};
  auto node =
      tls ? caf::openssl::remote_actor(sys, host, port) : sys.middleman().remote_actor(host, port);
  if (!node) {
    bool refused = node.error() == caf::sec::cannot_connect_to_node;
    std::cerr << "hameshctl: cannot reach node at " << opt.node << ": "
              << (refused
                      ? "nothing accepts connections there (node down, or not its [mesh] listen)"
                      : hamesh::describe(node.error()))
              << (tls && !refused
                      ? " (check --ca/--cert/--key: they must come from the node's cluster CA)"
                      : "")
              << "\n";
    return exit_unreachable;
  }
  caf::scoped_actor self{sys};
  int rc = 0;
  auto on_error = [&](caf::error& err) {
    bool unreachable = err == caf::sec::request_timeout || err == caf::sec::request_receiver_down;
    std::cerr << "hameshctl: " << (unreachable ? "node " + opt.node + " did not answer: " : "")
              << hamesh::describe(err) << "\n";
    rc = unreachable ? exit_unreachable : exit_refused;
  };
  // An actor that answers for itself (an IPVS service, a volume): found through the node by
  // its path, then asked; its text answer printed. `what` names it when the node has none.
  auto ask_actor = [&](const std::string& actor_path, const char* what, auto ask) {
    self->request(*node, opt.timeout, hamesh::lookup_atom_v, actor_path)
        .receive(
            [&](caf::actor& target) {
              ask(target).receive(
                  [&](std::string& answer) {
                    if (opt.json)
                      std::cout << nlohmann::json{{"ok", true}, {"result", answer}}.dump() << "\n";
                    else
                      std::cout << answer << "\n";
                  },
                  on_error);
            },
            [&](caf::error& err) {
              if (hamesh::describe(err).find("no actor at path") == 0) {
                std::cerr << "hameshctl: node " << opt.node << " has no " << what << " \""
                          << path_arg << "\"\n";
                rc = exit_refused;
                return;
              }
              on_error(err);
            });
  };
  std::string path = normalize(path_arg);
  if (command == "kill" || command == "restart") {
    auto request = command == "kill"
                       ? self->request(*node, opt.timeout, hamesh::kill_path_atom_v, path)
                       : self->request(*node, opt.timeout, hamesh::restart_path_atom_v, path);
    request.receive(
        [&](caf::ok_atom) {
          if (opt.json)
            std::cout << "{\"ok\":true,\"path\":\"" << path << "\",\"action\":\"" << command
                      << "\"}\n";
          else
            std::cout << (command == "kill" ? "killed " : "restarting ") << path << "\n";
        },
        on_error);
  } else if (command == "drain" || command == "undrain") {
    bool drained = command == "drain";
    ask_actor("lb/ipvs/" + path_arg, "IPVS service", [&](const caf::actor& service) {
      return self->request(service, opt.timeout, hamesh::ipvs_drain_atom_v, real_arg, drained);
    });
  } else if (command == "replica") {
    // A resync or a verify starts at once; a promotion waits for nothing remote.
    ask_actor("storage/replica/" + path_arg, "volume", [&](const caf::actor& volume) {
      return self->request(volume, opt.timeout, hamesh::replica_command_atom_v, real_arg);
    });
  } else if (command == "watch") {
    // Refreshes until Ctrl-C (or --count): the default SIGINT action ends the process.
    for (int64_t n = 0; opt.count == 0 || n < opt.count; ++n) {
      if (n > 0) std::this_thread::sleep_for(std::chrono::milliseconds(opt.interval_ms));
      bool ok = false;
      self->request(*node, opt.timeout, hamesh::state_atom_v, std::string())
          .receive(
              [&](hamesh::actor_state& state) {
                ok = true;
                std::time_t now = std::time(nullptr);
                char when[32];
                std::strftime(when, sizeof when, "%H:%M:%S", std::localtime(&now));
                if (opt.json) {
                  std::cout << hamesh::to_json(state) << std::endl;
                  return;
                }
                if (isatty(STDOUT_FILENO)) std::cout << "\033[H\033[2J";
                std::cout << "node " << state.name << " at " << opt.node << ", " << when
                          << " (every " << opt.interval_ms << " ms; Ctrl-C to stop)\n"
                          << hamesh::ctl::render_tree(state) << std::flush;
              },
              on_error);
      if (!ok) break;
    }
  } else {
    std::string query = command == "show" ? path : command == "peers" ? "mesh" : "";
    self->request(*node, opt.timeout, hamesh::state_atom_v, query)
        .receive(
            [&](hamesh::actor_state& state) {
              if (opt.json)
                std::cout << hamesh::to_json(state, 2) << "\n";
              else if (command == "tree")
                std::cout << hamesh::ctl::render_tree(state);
              else if (command == "status")
                std::cout << hamesh::ctl::render_status(state);
              else if (command == "vrrp")
                std::cout << hamesh::ctl::render_vrrp(state);
              else if (command == "ipvs")
                std::cout << hamesh::ctl::render_ipvs(state);
              else if (command == "probes")
                std::cout << hamesh::ctl::render_probes(state);
              else if (command == "proxies")
                std::cout << hamesh::ctl::render_proxies(state)
                          << (hamesh::ctl::render_mail_proxies(state).empty() ? "" : "\n")
                          << hamesh::ctl::render_mail_proxies(state);
              else if (command == "peers")
                std::cout << hamesh::ctl::render_peers(state);
              else if (command == "replicas")
                std::cout << hamesh::ctl::render_replicas(state);
              else if (command == "heartbeat")
                std::cout << hamesh::ctl::render_heartbeat(state);
              else
                std::cout << hamesh::ctl::render_actor(state);
            },
            [&](caf::error& err) {
              if (command == "peers" && hamesh::describe(err).find("no actor at path") == 0) {
                std::cerr << "hameshctl: node " << opt.node << " has no [mesh] peers configured\n";
                rc = exit_refused;
                return;
              }
              on_error(err);
            });
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hameshctl: inspect and act on a live hamesh node; manage the cluster PKI"};
  options opt;
  app.add_option("-n,--node", opt.node, "the node's control endpoint HOST:PORT ([mesh] listen)")
      ->capture_default_str();
  app.add_option("--ca", opt.ca, "cluster CA certificate (PEM), for a node with [tls]");
  app.add_option("--cert", opt.cert, "client certificate (PEM) signed by the cluster CA");
  app.add_option("--key", opt.key, "client key (PEM)");
  std::string pki_dir, as_name = "admin";
  app.add_option("--pki", pki_dir, "PKI folder: uses DIR/ca.pem and DIR/<--as>.pem/.key");
  app.add_option("--as", as_name, "certificate name within --pki")->capture_default_str();
  app.add_flag("--json", opt.json, "print one JSON document instead of a table");
  int64_t timeout_ms = 5000;
  app.add_option("--timeout-ms", timeout_ms, "how long to wait for the node's answer")
      ->capture_default_str();
  app.require_subcommand(1);
  std::string path;
  auto* status =
      app.add_subcommand("status", "the node: name, status, uptime, degraded or not, peers");
  auto* tree = app.add_subcommand(
      "tree", "the supervision tree: kind, status, restarts, uptime of every actor");
  auto* show = app.add_subcommand("show", "one actor's full state");
  show->add_option("PATH", path, "actor path, e.g. demo/ticker/t1 (/ for the node)")->required();
  auto* kill = app.add_subcommand(
      "kill", "make an actor fail, as a crash would; its supervisor restarts it");
  kill->add_option("PATH", path, "actor path")->required();
  auto* restart = app.add_subcommand("restart", "stop and start an actor");
  restart->add_option("PATH", path, "actor path")->required();
  auto* vrrp =
      app.add_subcommand("vrrp", "VRRP instances: state, priority, master, adverts, transitions");
  auto* ipvs = app.add_subcommand(
      "ipvs", "IPVS services like ipvsadm -Ln: scheduler, real servers, weights, connections");
  auto* probes = app.add_subcommand(
      "probes", "every health check: state, last result, latency, last transition");
  auto* proxies = app.add_subcommand(
      "proxies",
      "HTTP listeners: traffic, errors by class, each pool's servers with state and load");
  std::string real;
  auto* drain = app.add_subcommand(
      "drain", "weight 0 for a real server: no new connections, existing ones finish");
  drain->add_option("SERVICE", path, "IPVS service name")->required();
  drain->add_option("REAL", real, "real server name or address (10.0.1.1:80)")->required();
  auto* undrain = app.add_subcommand("undrain", "give a drained real server its weight back");
  undrain->add_option("SERVICE", path, "IPVS service name")->required();
  undrain->add_option("REAL", real, "real server name or address")->required();
  auto* heartbeat =
      app.add_subcommand("heartbeat",
                         "storage pairs: peer, each link's state and last heard, role, resources, "
                         "last takeover with its timeline");
  auto* replicas = app.add_subcommand(
      "replicas", "replicated volumes: role, connection, disk, peer, dirty bytes, resync, export");
  auto* replica =
      app.add_subcommand("replica", "act on a replicated volume: promote, demote, verify, ...");
  std::string replica_action;
  bool force = false;
  replica
      ->add_option("ACTION", replica_action,
                   "promote (refused while the peer is primary), demote, verify, disconnect, "
                   "connect")
      ->required()
      ->check(CLI::IsMember({"promote", "demote", "verify", "disconnect", "connect"}));
  replica->add_option("VOLUME", path, "volume name ([[storage.volume]] name)")->required();
  replica->add_flag("--force", force,
                    "promote even while the peer is primary or our disk is not up to date");
  auto* peers =
      app.add_subcommand("peers", "the mesh membership view: each peer, up or down, since, RTT");
  auto* watch = app.add_subcommand("watch", "the tree, refreshed every --interval-ms until Ctrl-C");
  watch->add_option("--interval-ms", opt.interval_ms, "refresh period")->capture_default_str();
  watch->add_option("--count", opt.count, "stop after this many refreshes (0: never)")
      ->capture_default_str();
  auto* pki_cmd =
      app.add_subcommand("pki", "create the cluster CA and issue certificates (no node needed)");
  pki_cmd->require_subcommand(1);
  std::string dir, cert_name;
  auto* pki_init = pki_cmd->add_subcommand("init", "create a cluster CA in DIR");
  pki_init->add_option("DIR", dir, "folder for ca.pem and ca.key")->required();
  auto* pki_issue =
      pki_cmd->add_subcommand("issue", "issue NAME's key and certificate from DIR's CA");
  pki_issue->add_option("DIR", dir, "the CA's folder")->required();
  pki_issue->add_option("NAME", cert_name, "node or client name (the certificate's CN)")
      ->required();
  bool as_node = false, as_client = false;
  auto* node_flag = pki_issue->add_flag("--node", as_node,
                                        "a node certificate (accepts and makes mesh connections)");
  pki_issue->add_flag("--client", as_client, "a client certificate (hameshctl)")
      ->excludes(node_flag);
  CLI11_PARSE(app, argc, argv);
  opt.timeout = std::chrono::milliseconds(timeout_ms);

  if (pki_cmd->parsed()) {
    hamesh::pki::result r;
    if (pki_init->parsed()) {
      r = hamesh::pki::init(dir);
    } else {
      if (as_node == as_client) {
        std::cerr << "hameshctl: pki issue needs --node or --client\n";
        return 2;
      }
      r = hamesh::pki::issue(dir, cert_name,
                             as_node ? hamesh::pki::role::node : hamesh::pki::role::client);
    }
    (r.ok ? std::cout : std::cerr) << (r.ok ? "" : "hameshctl: ") << r.message << "\n";
    return r.ok ? 0 : 1;
  }
  if (!pki_dir.empty()) {
    if (!opt.ca.empty() || !opt.cert.empty() || !opt.key.empty()) {
      std::cerr << "hameshctl: give either --pki or --ca/--cert/--key\n";
      return 2;
    }
    opt.ca = pki_dir + "/ca.pem";
    opt.cert = pki_dir + "/" + as_name + ".pem";
    opt.key = pki_dir + "/" + as_name + ".key";
  }
  if ((!opt.cert.empty() || !opt.key.empty() || !opt.ca.empty()) &&
      (opt.cert.empty() || opt.key.empty() || opt.ca.empty())) {
    std::cerr << "hameshctl: --ca, --cert and --key go together\n";
    return 2;
  }
  // CAF aborts the process on an unreadable key; say which file instead.
  for (auto* f : {&opt.ca, &opt.cert, &opt.key})
    if (!f->empty() && access(f->c_str(), R_OK) != 0) {
      std::cerr << "hameshctl: cannot read " << *f << "\n";
      return 2;
    }
  if (replica->parsed()) {
    if (force && replica_action != "promote") {
      std::cerr << "hameshctl: --force goes with promote only\n";
      return 2;
    }
    real = force ? "promote --force" : replica_action;
  }
  std::string command = replica->parsed()    ? "replica"
                        : replicas->parsed() ? "replicas"
                        : ipvs->parsed()     ? "ipvs"
                        : probes->parsed()   ? "probes"
                        : proxies->parsed()  ? "proxies"
                        : drain->parsed()    ? "drain"
                        : undrain->parsed()  ? "undrain"
                        : vrrp->parsed()     ? "vrrp"
                        : peers->parsed()    ? "peers"
                        : watch->parsed()    ? "watch"
                        : status->parsed()   ? "status"
                        : tree->parsed()     ? "tree"
                        : show->parsed()     ? "show"
                        : kill->parsed()     ? "kill"
                        : restart->parsed()  ? "restart"
                                             : "";
  if (heartbeat->parsed()) command = "heartbeat";
  return run(opt, command, path, real);
}
