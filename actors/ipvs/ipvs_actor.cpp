#include "actors/ipvs/ipvs_actor.hpp"

#include <caf/all.hpp>

#include <deque>
#include <nlohmann/json.hpp>
#include <set>

#include "actors/ipvs/kernel_ipvs.hpp"
#include "actors/ipvs/nft_dnat.hpp"
#include "actors/ipvs/service_table.hpp"
#include "actors/ipvs/tcp_forwarder.hpp"
#include "actors/ipvs/udp_forwarder.hpp"
#include "actors/probe/probe_follower.hpp"
#include "runtime/caf_types.hpp"
#include "runtime/logging.hpp"
#include "runtime/metrics/metric_json.hpp"

namespace hamesh::ipvs {
namespace {

struct ipvs_state {
  std::string path;
  service_settings cfg;
  std::unique_ptr<service_table> table;
  std::unique_ptr<data_plane> plane;
  std::map<std::string, size_t> probe_paths;  // probe path -> real index
  probe::probe_follower probes;
  bool in_quorum = true;
  caf::error stop_reason;  // set while draining before a graceful stop
  std::chrono::steady_clock::time_point drain_deadline;
  std::shared_ptr<spdlog::logger> log;
};

using self_ptr = caf::stateful_actor<ipvs_state>*;

std::unique_ptr<data_plane> make_plane(const service_settings& s) {
  switch (s.dataplane) {
    case dataplane_kind::nftables:
      return std::make_unique<nft_dnat>(s);
    case dataplane_kind::kernel:
      return std::make_unique<kernel_ipvs>(s);
    case dataplane_kind::userspace:
      break;
  }
  if (s.protocol == transport::udp) return make_udp_forwarder(forwarder_settings::of(s));
  return make_tcp_forwarder(forwarder_settings::of(s));
}

// Pushes the pool to the data plane and says what changed for the service as a whole.
void republish(self_ptr self) {
  auto& st = self->state;
  auto view = st.table->view();
  st.plane->apply(view);
  if (view.in_quorum != st.in_quorum) {
    st.in_quorum = view.in_quorum;
    if (!view.in_quorum)
      st.log->error(
          "quorum lost: alive weight {} < quorum {}{}", st.table->alive_weight(), st.cfg.quorum,
          view.sorry_active
              ? "; sorry server " + st.cfg.sorry_server->endpoint() + " takes new connections"
              : "");
    else
      st.log->info("quorum back: alive weight {} >= {}", st.table->alive_weight(), st.cfg.quorum);
  }
}

std::set<std::string> keys(const std::map<std::string, size_t>& m) {
  std::set<std::string> out;
  for (auto& [k, v] : m) out.insert(k);
  return out;
}

void on_verdict(self_ptr self, const std::string& probe_path, const std::string& verdict,
                const std::string& detail) {
  auto& st = self->state;
  auto it = st.probe_paths.find(probe_path);
  if (it == st.probe_paths.end()) return;
  auto index = it->second;
  auto h = verdict == "up"     ? probe::health::up
           : verdict == "down" ? probe::health::down
                               : probe::health::unknown;
  auto before = st.table->health(index);
  if (h == before) return;
  st.table->set_health(index, h);
  auto& real = st.table->real(index);
  if (h == probe::health::down)
    st.log->warn("real server {} ({}) failed its check ({}): {}", real.name, real.endpoint(),
                 detail, st.cfg.inhibit_on_failure ? "weight 0" : "removed");
  else if (before == probe::health::down)
    st.log->info("real server {} ({}) is back ({}), weight {}", real.name, real.endpoint(), detail,
                 st.table->effective_weight(index));
  republish(self);
}

// The probes of a service's real servers, by path: "<subtree>/probe/<service>/<real>".
std::map<std::string, size_t> probe_paths_of(const ipvs_state& st) {
  std::map<std::string, size_t> out;
  if (!st.cfg.check) return out;
  auto subtree = st.path.substr(0, st.path.rfind("ipvs/"));
  for (size_t i = 0; i < st.cfg.reals.size(); ++i)
    out[subtree + probe_name(st.cfg, st.cfg.reals[i])] = i;
  return out;
}

// A reload changed weights, real servers, the scheduler or timeouts: the listener and the
// open connections stay. Real servers that stay keep their health and drain.
void update_in_place(self_ptr self, const service_settings& next) {
  auto& st = self->state;
  auto table = std::make_unique<service_table>(next);
  for (size_t i = 0; i < next.reals.size(); ++i)
    if (auto old = st.table->find(next.reals[i].endpoint())) {
      table->set_health(i, st.table->health(*old));
      table->set_drained(i, st.table->drained(*old));
    }
  if (!st.plane->reconfigure(next, table->view())) {
    st.log->warn("the {} data plane cannot take new settings in place: restarting",
                 to_string(next.dataplane));
    return self->quit(caf::make_error(caf::sec::runtime_error, "restart for new settings"));
  }
  st.cfg = next;
  st.table = std::move(table);
  st.probe_paths = probe_paths_of(st);  // new real servers' probes come up after this update
  st.probes.follow(self, keys(st.probe_paths));
  st.log->info("updated in place: {} over {} real server(s), {} open connection(s) kept",
               to_string(next.scheduler), next.reals.size(), st.plane->open_connections());
  republish(self);
}

nlohmann::json member_json(const member_counters& c) {
  return {{"active", c.active},           {"inactive", c.inactive},
          {"connections", c.connections}, {"bytes_in", c.bytes_in},
          {"bytes_out", c.bytes_out},     {"connect_errors", c.connect_errors}};
}

nlohmann::json fields(const ipvs_state& st) {
  auto counters = st.plane->counters();
  auto view = st.table->view();
  auto reals = nlohmann::json::array();
  auto metrics = nlohmann::json::array();
  for (size_t i = 0; i < st.table->size(); ++i) {
    auto& r = st.table->real(i);
    auto j = member_json(i < counters.members.size() ? counters.members[i] : member_counters{});
    j["name"] = r.name;
    j["address"] = r.endpoint();
    j["weight"] = r.weight;
    j["effective_weight"] = view.members[i].entry.weight;
    j["in_pool"] = view.members[i].entry.available;
    j["health"] = st.cfg.check ? to_string(st.table->health(i)) : "unchecked";
    j["drained"] = st.table->drained(i);
    reals.push_back(j);
    nlohmann::json labels = {{"real", r.endpoint()}};
    metrics.push_back(metrics::metric("ipvs_real_active_connections", "gauge",
                                      "Established connections per real server.", j["active"],
                                      labels));
    metrics.push_back(metrics::metric("ipvs_real_connections_total", "counter",
                                      "Connections sent to each real server.", j["connections"],
                                      labels));
    metrics.push_back(metrics::metric(
        "ipvs_real_up", "gauge", "1 while the real server takes new connections.",
        view.members[i].entry.available && view.members[i].entry.weight > 0 ? 1 : 0, labels));
  }
  nlohmann::json sorry;
  if (st.cfg.sorry_server) {
    sorry = member_json(counters.members.empty() ? member_counters{} : counters.members.back());
    sorry["address"] = st.cfg.sorry_server->endpoint();
    sorry["active_now"] = view.sorry_active;
  }
  metrics.push_back(metrics::metric("ipvs_accepted_total", "counter", "Connections accepted.",
                                    counters.accepted));
  metrics.push_back(metrics::metric("ipvs_no_server_total", "counter",
                                    "Connections refused: no real server could take them.",
                                    counters.no_server));
  auto err = st.plane->last_error();
  return {{"service", st.cfg.name},
          {"protocol", to_string(st.cfg.protocol)},
          {"listen", st.cfg.endpoint()},
          {"scheduler", to_string(st.cfg.scheduler)},
          {"persistence_s",
           std::chrono::duration_cast<std::chrono::seconds>(st.cfg.persistence).count()},
          {"dataplane", to_string(st.cfg.dataplane)},
          {"forward", st.plane->forward_method()},
          {"quorum", st.cfg.quorum},
          {"alive_weight", st.table->alive_weight()},
          {"in_quorum", view.in_quorum},
          {"inhibit_on_failure", st.cfg.inhibit_on_failure},
          {"reals", reals},
          {"sorry_server", sorry},
          {"accepted", counters.accepted},
          {"no_server", counters.no_server},
          {"over_limit", counters.over_limit},
          {"last_error", err.empty() ? nlohmann::json() : nlohmann::json(err)},
          {"metrics", metrics}};
}

caf::behavior ipvs_service(self_ptr self, std::string path, service_settings cfg) {
  auto& st = self->state;
  st.path = std::move(path);
  st.cfg = std::move(cfg);
  st.log = logging::get(st.path);
  st.table = std::make_unique<service_table>(st.cfg);
  st.plane = make_plane(st.cfg);
  if (auto err = st.plane->start(st.table->view()); !err.empty()) {
    st.log->error("cannot start {} {}: {}", to_string(st.cfg.dataplane), st.cfg.endpoint(), err);
    self->quit(caf::make_error(caf::sec::runtime_error, err));
    return {};
  }
  st.in_quorum = st.table->in_quorum();
  st.log->info("{} {} {} over {} real server(s), {} data plane", to_string(st.cfg.protocol),
               st.cfg.endpoint(), to_string(st.cfg.scheduler), st.cfg.reals.size(),
               to_string(st.cfg.dataplane));
  st.probe_paths = probe_paths_of(st);
  st.probes.follow(self, keys(st.probe_paths));
  // A probe restarting: its last verdict stands until the new one speaks.
  self->set_down_handler([=](caf::down_msg& dm) { self->state.probes.on_down(self, dm.source); });
  self->set_exit_handler([=](caf::exit_msg& em) {
    auto& st = self->state;
    st.plane->stop_accepting();
    auto open = st.plane->open_connections();
    // Only a graceful stop (user_shutdown) drains; a kill or a crash ends connections at once.
    if (em.reason != caf::exit_reason::user_shutdown || st.cfg.drain_timeout.count() == 0 ||
        open == 0)
      return self->quit(em.reason);
    // A graceful stop: no new connections, the open ones get drain_timeout to finish.
    st.log->info("stopping: draining {} open connection(s) for up to {}", open,
                 format_duration(st.cfg.drain_timeout));
    st.stop_reason = em.reason;
    st.drain_deadline = std::chrono::steady_clock::now() + st.cfg.drain_timeout;
    self->send(self, drain_tick_atom_v);
  });
  return {
      [=](probe_verdict_atom, const std::string& probe_path, const std::string& verdict,
          const std::string& detail) { on_verdict(self, probe_path, verdict, detail); },
      [=](probe_retry_atom, const std::string& probe_path) {
        self->state.probes.retry(self, probe_path);
      },
      [=](ipvs_update_atom, std::shared_ptr<const service_settings> next) {
        update_in_place(self, *next);
      },
      [=](drain_tick_atom) {
        auto& st = self->state;
        auto open = st.plane->open_connections();
        bool late = std::chrono::steady_clock::now() >= st.drain_deadline;
        if (open == 0 || late) {
          if (late) st.log->warn("drain timeout: closing {} connection(s) still open", open);
          return self->quit(st.stop_reason);
        }
        self->delayed_send(self, std::chrono::milliseconds(20), drain_tick_atom_v);
      },
      [=](ipvs_drain_atom, const std::string& real, bool drained) -> caf::result<std::string> {
        auto& st = self->state;
        auto index = st.table->find(real);
        if (!index)
          return caf::make_error(caf::sec::invalid_argument,
                                 "service " + st.cfg.name + " has no real server \"" + real + "\"");
        auto& r = st.table->real(*index);
        std::string what = (drained ? "drained " : "undrained ") + st.cfg.name + " " + r.name +
                           " (" + r.endpoint() + ")";
        if (st.table->drained(*index) == drained) return what + ", as it already was";
        st.table->set_drained(*index, drained);
        st.log->warn("operator: {}", what);
        republish(self);
        return what;
      },
      [=](state_atom, const std::string&) {
        actor_state s;
        s.fields_json = fields(self->state).dump();
        return s;
      },
  };
}

}  // namespace

std::string probe_name(const service_settings& service, const real_settings& real) {
  return "probe/" + service.name + "/" + real.name;
}

caf::actor spawn_ipvs_service(caf::local_actor* parent, const std::string& path,
                              const service_settings& service) {
  return parent->spawn(ipvs_service, path, service);
}

}  // namespace hamesh::ipvs
