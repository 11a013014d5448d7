#include "actors/proxy/http/http_listener_actor.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include "actors/probe/probe_follower.hpp"
#include "actors/proxy/http/http_engine.hpp"
#include "actors/proxy/listener_core.hpp"
#include "runtime/caf_types.hpp"
#include "runtime/ipv4_text.hpp"
#include "runtime/logging.hpp"
#include "runtime/metrics/metric_json.hpp"

namespace hamesh::proxy::http {
namespace {

// A graceful stop lets in-flight requests finish for this long (below the supervisor's
// default shutdown_timeout of 5 s, which kills past it).
constexpr auto drain_limit = std::chrono::seconds(3);

struct listener_state {
  std::string path;
  http_listener_config cfg;
  // The engine, the ones reloads retired (finishing their requests), the probes' verdicts by
  // (pool, server), the drain; set once the first engine runs.
  std::optional<listener_core<http_engine>> core;
  std::shared_ptr<const net::tls_server_context> tls;  // the running engine's
  // Requests per second over the last whole second (sampled by rate_tick_atom).
  uint64_t last_requests = 0;
  double requests_per_second = 0;
  probe::probe_follower probes;
  caf::error stop_reason;
  std::shared_ptr<spdlog::logger> log;
};

using self_ptr = caf::stateful_actor<listener_state>*;

nlohmann::json fields(const listener_state& st) {
  using c = http_engine_counters;
  auto& k = st.core->engine().counters();
  auto pools = nlohmann::json::array();
  auto metrics = nlohmann::json::array();
  for (size_t p = 0; p < st.cfg.engine.pools.size(); ++p) {
    auto& pool = st.cfg.engine.pools[p];
    auto servers = nlohmann::json::array();
    for (size_t s = 0; s < pool.servers.size(); ++s) {
      auto& sc = k.server(p, s);
      auto address =
          format_ipv4(pool.servers[s].address) + ":" + std::to_string(pool.servers[s].port);
      bool up = sc.up.load(std::memory_order_relaxed);
      servers.push_back({{"address", address},
                         {"up", up},
                         {"active", c::get(sc.active)},
                         {"requests", c::get(sc.requests)},
                         {"failures", c::get(sc.failures)}});
      nlohmann::json labels = {{"pool", pool.name}, {"server", address}};
      metrics.push_back(metrics::metric("http_server_requests_total", "counter",
                                        "Requests sent to each backend server.",
                                        c::get(sc.requests), labels));
      metrics.push_back(metrics::metric("http_server_up", "gauge",
                                        "1 while the server takes requests.", up ? 1 : 0, labels));
    }
    pools.push_back({{"name", pool.name},
                     {"balance", pool.balance == http_balance::round_robin ? "rr" : "lc"},
                     {"servers", servers}});
  }
  nlohmann::json responses;
  const char* classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  for (size_t i = 0; i < 5; ++i) {
    responses[classes[i]] = c::get(k.responses[i]);
    metrics.push_back(metrics::metric("http_responses_total", "counter",
                                      "Responses sent to clients, by class.",
                                      c::get(k.responses[i]), {{"class", classes[i]}}));
  }
  metrics.push_back(
      metrics::metric("http_requests_total", "counter", "Requests received.", c::get(k.requests)));
  nlohmann::json tls = nullptr;
  if (st.tls) {
    tls = {{"min_version", st.cfg.tls.tls13_only ? "1.3" : "1.2"},
           {"certificates", st.tls->names()},
           {"handshakes", c::get(k.tls_handshakes)},
           {"failures", c::get(k.tls_failures)}};
    metrics.push_back(metrics::metric("http_tls_handshake_failures_total", "counter",
                                      "TLS handshakes failed or timed out.",
                                      c::get(k.tls_failures)));
  }
  uint64_t retiring_open = st.core->retiring_open();
  metrics.push_back(metrics::metric("http_open_connections", "gauge", "Open client connections.",
                                    c::get(k.open)));
  return {{"listener", st.cfg.name},
          {"listen",
           format_ipv4(st.cfg.engine.address) + ":" + std::to_string(st.core->engine().port())},
          {"accepted", c::get(k.accepted)},
          {"open", c::get(k.open)},
          {"requests", c::get(k.requests)},
          {"requests_per_second", st.requests_per_second},
          {"bytes_in", c::get(k.bytes_in)},
          {"bytes_out", c::get(k.bytes_out)},
          {"tls", tls},
          {"redirect_https", st.cfg.engine.redirect_https_port
                                 ? nlohmann::json(*st.cfg.engine.redirect_https_port)
                                 : nlohmann::json(nullptr)},
          {"redirects", c::get(k.redirects)},
          {"tunnels", c::get(k.tunnels)},
          {"reloads", st.core->reloads()},
          {"retiring_open", retiring_open},
          {"responses", responses},
          {"errors",
           {{"parse", c::get(k.parse_errors)},
            {"not_found", c::get(k.not_found)},
            {"bad_gateway", c::get(k.bad_gateway)},
            {"unavailable", c::get(k.unavailable)},
            {"gateway_timeout", c::get(k.gateway_timeout)},
            {"request_timeout", c::get(k.request_timeout)},
            {"handler_failures", c::get(k.handler_failures)}}},
          {"pools", pools},
          {"metrics", metrics}};
}

// An engine for `cfg` (taking `inherited_listener` over when >= 0), started, with its TLS
// context in `tls`; or null and why.
std::unique_ptr<http_engine> start_engine(const std::string& path, const http_listener_config& cfg,
                                          int inherited_listener,
                                          std::shared_ptr<const net::tls_server_context>& tls,
                                          std::string& error) {
  auto engine_settings = cfg.engine;
  tls.reset();
  if (!cfg.tls.certificates.empty()) {
    tls = net::tls_server_context::load(cfg.tls, error);
    if (!tls) {
      error = "TLS: " + error;
      return nullptr;
    }
    engine_settings.tls = tls;
  }
  if (cfg.access_log != "off") {
    // Its own file (a logger of this actor's, not registered: a restart makes a new one), or
    // the node's log under <path>/access.
    std::shared_ptr<spdlog::logger> access;
    if (!cfg.access_log_file.empty()) {
      try {
        access = std::make_shared<spdlog::logger>(
            path + "/access",
            std::make_shared<spdlog::sinks::basic_file_sink_mt>(cfg.access_log_file.string()));
        access->set_pattern("%v");
        access->flush_on(spdlog::level::info);
      } catch (const spdlog::spdlog_ex& e) {
        error = std::string("cannot open the access log: ") + e.what();
        return nullptr;
      }
    } else {
      access = logging::get(path + "/access");
    }
    auto format = cfg.access_log == "json" ? http_access_format::json : http_access_format::common;
    engine_settings.access_log = [access, format](const http_access_record& r) {
      access->info(format_access(r, format));
    };
  }
  auto engine = std::make_unique<http_engine>(engine_settings);
  if (error = engine->start(inherited_listener); !error.empty()) return nullptr;
  return engine;
}

// The probes of pools with a check: a probe per server, in the proxy subtree beside this
// listener.
void follow_probes(self_ptr self) {
  auto& st = self->state;
  auto subtree = st.path.substr(0, st.path.rfind("http/"));
  std::map<std::string, listener_core<http_engine>::target> targets;
  for (size_t p = 0; p < st.cfg.pool_checks.size(); ++p)
    if (st.cfg.pool_checks[p])
      for (size_t s = 0; s < st.cfg.engine.pools[p].servers.size(); ++s)
        targets[subtree + st.cfg.probe_name(p, s)] = {p, s};
  st.core->set_probe_targets(std::move(targets));
  st.probes.follow(self, st.core->probe_paths());
}

// A reload: a new engine with the new config takes the listening socket over (same address)
// or opens its own; the old one stops accepting and finishes what it has in flight.
void reload(self_ptr self, const http_listener_config& next) {
  auto& st = self->state;
  bool same_address =
      next.engine.address == st.cfg.engine.address && next.engine.port == st.cfg.engine.port;
  std::shared_ptr<const net::tls_server_context> tls;
  std::string err;
  auto engine = start_engine(st.path, next, st.core->socket_to_hand_over(same_address), tls, err);
  if (!engine) {
    // The old engine goes on serving; the operator sees why and fixes the config.
    st.log->error("reload refused, the running config stays: {}", err);
    return;
  }
  st.cfg = next;
  st.tls = std::move(tls);
  auto kept = st.core->replace(std::move(engine), std::chrono::steady_clock::now() + drain_limit);
  follow_probes(self);
  // The new engine starts with every server up: what the probes last said still holds.
  st.core->for_each_verdict([&](auto target, bool up) {
    st.core->engine().set_server_up(st.cfg.engine.pools[target.first].name, target.second, up);
  });
  st.log->info("reloaded: {} pool(s), {} route(s); the previous engine finishes {} connection(s)",
               st.cfg.engine.pools.size(), st.cfg.engine.routes.size(), kept);
  self->send(self, retire_tick_atom_v);
}

caf::behavior http_listener(self_ptr self, std::string path, http_listener_config cfg) {
  auto& st = self->state;
  st.path = std::move(path);
  st.cfg = std::move(cfg);
  st.log = logging::get(st.path);
  std::string err;
  auto engine = start_engine(st.path, st.cfg, -1, st.tls, err);
  if (!engine) {
    st.log->error("cannot start: {}", err);
    self->quit(caf::make_error(caf::sec::runtime_error, err));
    return {};
  }
  st.core.emplace(std::move(engine));
  st.log->info("HTTP on {}:{}, {} pool(s), {} route(s)", format_ipv4(st.cfg.engine.address),
               st.core->engine().port(), st.cfg.engine.pools.size(), st.cfg.engine.routes.size());
  follow_probes(self);
  self->send(self, rate_tick_atom_v);
  self->set_down_handler([=](caf::down_msg& dm) { self->state.probes.on_down(self, dm.source); });
  self->set_exit_handler([=](caf::exit_msg& em) {
    auto& st = self->state;
    uint64_t open = st.core->stop_accepting();  // the retired engines close idle clients too
    // Only a graceful stop (the supervisor's user_shutdown) drains; a kill or a crash (what
    // `hameshctl kill` sends) ends the connections at once, as a dead process would.
    if (em.reason != caf::exit_reason::user_shutdown || open == 0) return self->quit(em.reason);
    st.log->info("stopping: draining {} connection(s)", open);
    st.stop_reason = em.reason;
    st.core->begin_drain(std::chrono::steady_clock::now() + drain_limit);
    self->send(self, drain_tick_atom_v);
  });
  return {
      [=](probe_verdict_atom, const std::string& path, const std::string& verdict,
          const std::string& detail) {
        auto& st = self->state;
        auto v = st.core->on_verdict(path, verdict);
        if (!v) return;
        auto [pool, server] = v->of;
        auto& name = st.cfg.engine.pools[pool].name;
        if (v->changed)
          st.log->log(v->up ? spdlog::level::info : spdlog::level::warn, "pool {}: {} is {} ({})",
                      name, path.substr(path.rfind('/') + 1), v->up ? "up" : "down", detail);
        st.core->engine().set_server_up(name, server, v->up);
      },
      [=](probe_retry_atom, const std::string& path) { self->state.probes.retry(self, path); },
      [=](rate_tick_atom) {
        auto& st = self->state;
        // A reload starts the new engine's counters at zero: the first second after it reads 0.
        auto now = http_engine_counters::get(st.core->engine().counters().requests);
        st.requests_per_second = now >= st.last_requests ? double(now - st.last_requests) : 0;
        st.last_requests = now;
        self->delayed_send(self, std::chrono::seconds(1), rate_tick_atom_v);
      },
      [=](http_update_atom, std::shared_ptr<const http_listener_config> next) {
        reload(self, *next);
      },
      [=](retire_tick_atom) {
        auto& st = self->state;
        if (auto cut = st.core->sweep_retired(std::chrono::steady_clock::now()); cut > 0)
          st.log->warn("previous engine: closed {} connection(s) still open", cut);
        if (st.core->retiring())
          self->delayed_send(self, std::chrono::milliseconds(20), retire_tick_atom_v);
      },
      [=](drain_tick_atom) {
        auto& st = self->state;
        if (st.core->drained(std::chrono::steady_clock::now())) return self->quit(st.stop_reason);
        self->delayed_send(self, std::chrono::milliseconds(20), drain_tick_atom_v);
      },
      [=](state_atom, const std::string&) {
        actor_state s;
        s.fields_json = fields(self->state).dump();
        return s;
      },
  };
}

}  // namespace

caf::actor spawn_http_listener(caf::local_actor* parent, const std::string& path,
                               const http_listener_config& cfg) {
  return parent->spawn(http_listener, path, cfg);
}

}  // namespace hamesh::proxy::http
