#include "runtime/mesh/mesh_actor.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include <map>
#include <nlohmann/json.hpp>

#include "runtime/caf_types.hpp"
#include "runtime/logging.hpp"
#include "runtime/mesh/membership.hpp"
#include "runtime/metrics/metric_json.hpp"

namespace hamesh::mesh {
namespace {

using steady = std::chrono::steady_clock;

struct mesh_state {
  std::string path;
  config::mesh_section cfg;
  bool tls = false;
  caf::actor node;  // our own top, introduced to the peers we connect to
  std::unique_ptr<membership> members;
  std::map<std::string, caf::actor> links;  // address -> the peer's published node
  std::shared_ptr<spdlog::logger> log;
};

using self_ptr = caf::stateful_actor<mesh_state>*;

// Ticks often enough to notice silence within a fraction of a heartbeat.
caf::timespan tick_interval(const config::mesh_section& cfg) {
  auto quarter = cfg.heartbeat / 4;
  return std::clamp<caf::timespan>(quarter, std::chrono::milliseconds(5),
                                   std::chrono::milliseconds(100));
}

std::string listen_address(const config::mesh_section& cfg) {
  return cfg.listen_host + ":" + std::to_string(cfg.listen_port);
}

std::string peer_label(const mesh_state& st, const std::string& address) {
  for (auto& p : st.members->peers())
    if (p.address == address && !p.name.empty()) return address + " (" + p.name + ")";
  return address;
}

void connect(self_ptr self, const std::string& address) {
  auto colon = address.rfind(':');
  std::string host = address.substr(0, colon);
  auto port = static_cast<uint16_t>(std::stoi(address.substr(colon + 1)));
  auto manager = self->state.tls ? self->system().openssl_manager().actor_handle()
                                 : self->system().middleman().actor_handle();
  self->request(manager, std::chrono::seconds(10), caf::connect_atom_v, host, port)
      .then(
          [=](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
            auto& st = self->state;
            auto now = steady::now();
            if (!ptr) {
              st.members->connect_failed(address, "no actor published there", now);
              return;
            }
            auto peer = caf::actor_cast<caf::actor>(ptr);
            st.links[address] = peer;
            self->monitor(peer);
            st.members->connected(address, now);
            st.log->debug("connected to peer {}; waiting for its answer", address);
            self->send(peer, mesh_hello_atom_v, listen_address(st.cfg), st.node);
          },
          [=](caf::error& err) {
            auto& st = self->state;
            st.log->debug("cannot connect to peer {}: {}", address, describe(err));
            st.members->connect_failed(address, describe(err), steady::now());
          });
}

void ping(self_ptr self, const std::string& address) {
  auto it = self->state.links.find(address);
  if (it == self->state.links.end()) return;
  auto sent = static_cast<uint64_t>(steady::now().time_since_epoch().count());
  self->request(it->second, self->state.cfg.down_after, mesh_ping_atom_v, sent)
      .then(
          [=](mesh_pong_atom, const std::string& name, uint64_t echoed) {
            auto& st = self->state;
            auto now = steady::now();
            auto sent = steady::time_point(steady::duration(echoed));
            auto was = peer_state::down;
            for (auto& p : st.members->peers())
              if (p.address == address) was = p.state;
            st.members->answered(address, name, sent, now);
            if (was != peer_state::up)
              for (auto& p : st.members->peers())
                if (p.address == address && p.state == peer_state::up)
                  st.log->info(
                      "peer {} ({}) up, rtt {}us", address, name,
                      std::chrono::duration_cast<std::chrono::microseconds>(now - sent).count());
          },
          [](caf::error&) {});  // silence is what tick() watches for
}

void tick(self_ptr self) {
  auto& st = self->state;
  auto acts = st.members->tick(steady::now());
  for (auto& address : acts.went_down) {
    for (auto& p : st.members->peers())
      if (p.address == address)
        st.log->warn("peer {} down: {}", peer_label(st, address), p.last_error);
  }
  for (auto& address : acts.drop_link) {
    if (auto it = st.links.find(address); it != st.links.end()) {
      self->demonitor(it->second);
      st.links.erase(it);
    }
  }
  for (auto& address : acts.connect) connect(self, address);
  for (auto& address : acts.ping) ping(self, address);
  self->delayed_send(self, tick_interval(st.cfg), mesh_tick_atom_v);
}

nlohmann::json fields(const mesh_state& st) {
  auto now = steady::now();
  auto peers = nlohmann::json::array();
  auto metrics = nlohmann::json::array();
  for (auto& p : st.members->peers()) {
    nlohmann::json j{
        {"address", p.address},
        {"name", p.name},
        {"state", to_string(p.state)},
        {"since_ms", std::chrono::duration_cast<std::chrono::milliseconds>(now - p.since).count()},
        {"connects", p.connects}};
    j["rtt_us"] =
        p.rtt
            ? nlohmann::json(std::chrono::duration_cast<std::chrono::microseconds>(*p.rtt).count())
            : nlohmann::json();
    j["last_error"] = p.last_error.empty() ? nlohmann::json() : nlohmann::json(p.last_error);
    peers.push_back(j);
    nlohmann::json labels{{"peer", p.address}, {"peer_name", p.name}};
    metrics.push_back(metrics::metric("mesh_peer_up", "gauge",
                                      "1 when the peer answers over the mesh.",
                                      p.state == peer_state::up ? 1 : 0, labels));
    metrics.push_back(metrics::metric("mesh_peer_connects_total", "counter",
                                      "Times the peer came up on a new connection.", p.connects,
                                      labels));
    if (p.rtt)
      metrics.push_back(metrics::metric("mesh_peer_rtt_seconds", "gauge",
                                        "Last measured round trip to the peer's node actor.",
                                        std::chrono::duration<double>(*p.rtt).count(), labels));
  }
  return {{"listen", st.cfg.listen_host + ":" + std::to_string(st.cfg.listen_port)},
          {"tls", st.tls},
          {"heartbeat", format_duration(st.cfg.heartbeat)},
          {"down_after", format_duration(st.cfg.down_after)},
          {"peers", peers},
          {"metrics", metrics}};
}

caf::behavior mesh_actor(self_ptr self, std::string path, config::mesh_section cfg, bool tls,
                         caf::actor node) {
  auto& st = self->state;
  st.path = std::move(path);
  st.cfg = std::move(cfg);
  st.tls = tls;
  st.node = std::move(node);
  st.log = logging::get(st.path);
  membership_settings s;
  s.heartbeat = st.cfg.heartbeat;
  s.down_after = st.cfg.down_after;
  std::vector<peer_config> peers;
  for (auto& p : st.cfg.peers) peers.push_back({p, listen_address(st.cfg) < p});
  st.members = std::make_unique<membership>(s, peers, steady::now());
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    for (auto it = st.links.begin(); it != st.links.end(); ++it) {
      if (it->second.address() != dm.source) continue;
      auto address = it->first;
      st.links.erase(it);
      auto label = peer_label(st, address);
      bool was_up = false;
      for (auto& p : st.members->peers())
        if (p.address == address) was_up = p.state == peer_state::up;
      st.members->lost(address, describe(dm.reason), steady::now());
      if (was_up)
        st.log->warn("peer {} down: {}", label, describe(dm.reason));
      else
        st.log->debug("connection to peer {} closed: {}", label, describe(dm.reason));
      return;
    }
  });
  tick(self);
  return {
      [=](mesh_tick_atom) { tick(self); },
      [=](mesh_hello_atom, const std::string& address, const caf::actor& peer) {
        auto& st = self->state;
        bool known = false;
        for (auto& p : st.members->peers()) known = known || p.address == address;
        if (!known || st.members->initiates(address)) {
          st.log->warn("ignored hello from {}: {}", address,
                       known ? "this node connects to it, not the other way round"
                             : "not in mesh.peers (write peers exactly as their mesh.listen)");
          return;
        }
        if (auto it = st.links.find(address); it != st.links.end()) self->demonitor(it->second);
        st.links[address] = peer;
        self->monitor(peer);
        st.members->connected(address, steady::now());
        st.log->debug("peer {} connected to us; waiting for its answer", address);
      },
      [=](mesh_peer_atom, const std::string& name) -> caf::result<caf::actor> {
        auto& st = self->state;
        for (auto& p : st.members->peers())
          if (p.name == name && p.state == peer_state::up)
            if (auto it = st.links.find(p.address); it != st.links.end()) return it->second;
        return caf::make_error(caf::sec::invalid_argument, "no peer named " + name + " is up");
      },
      [=](state_atom, const std::string&) {
        actor_state s;
        s.fields_json = fields(self->state).dump();
        return s;
      },
  };
}

}  // namespace

caf::actor spawn_mesh(caf::local_actor* parent, const std::string& path,
                      const config::mesh_section& cfg, bool tls) {
  return parent->spawn(mesh_actor, path, cfg, tls, caf::actor_cast<caf::actor>(parent));
}

std::string fingerprint(const config::mesh_section& cfg) {
  std::string out = "listen=" + cfg.listen_host + ":" + std::to_string(cfg.listen_port) +
                    ";heartbeat=" + format_duration(cfg.heartbeat) +
                    ";down_after=" + format_duration(cfg.down_after) + ";peers=";
  for (auto& p : cfg.peers) out += p + ",";
  return out;
}

}  // namespace hamesh::mesh
