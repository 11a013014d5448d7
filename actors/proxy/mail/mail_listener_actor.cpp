#include "actors/proxy/mail/mail_listener_actor.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include "actors/probe/probe_follower.hpp"
#include "actors/proxy/listener_core.hpp"
#include "actors/proxy/mail/mail_engine.hpp"
#include "runtime/caf_types.hpp"
#include "runtime/ipv4_text.hpp"
#include "runtime/logging.hpp"
#include "runtime/metrics/metric_json.hpp"

namespace hamesh::proxy::mail {
namespace {

// A graceful stop waits this long for logins under way; proxied sessions are cut after it
// (they can last hours: IMAP IDLE).
constexpr auto drain_limit = std::chrono::seconds(3);

// A reload's previous engine keeps its proxied sessions this long; they can last hours (IMAP
// IDLE), so past it they are cut and the clients reconnect to the new engine.
constexpr auto retire_limit = std::chrono::minutes(10);

struct listener_state {
  std::string path;
  mail_listener_config cfg;
  // The engine, the ones reloads retired (finishing their sessions), the probes' verdicts by
  // (pair, member), the drain; set once the first engine runs.
  std::optional<listener_core<mail_engine>> core;
  probe::probe_follower probes;
  caf::error stop_reason;
  std::shared_ptr<spdlog::logger> log;
};

using self_ptr = caf::stateful_actor<listener_state>*;

nlohmann::json fields(const listener_state& st) {
  using c = mail_engine_counters;
  auto& k = st.core->engine().counters();
  auto& e = st.cfg.engine;
  auto pairs = nlohmann::json::array();
  auto metrics = nlohmann::json::array();
  for (size_t p = 0; p < e.pairs.size(); ++p) {
    auto members = nlohmann::json::array();
    for (size_t m = 0; m < e.pairs[p].members.size(); ++m) {
      auto& mc = k.member(p, m);
      auto address = format_ipv4(e.pairs[p].members[m].address) + ":" +
                     std::to_string(e.pairs[p].members[m].port);
      bool up = mc.up.load(std::memory_order_relaxed);
      members.push_back({{"address", address},
                         {"up", up},
                         {"sessions", c::get(mc.sessions)},
                         {"logins", c::get(mc.logins)},
                         {"failures", c::get(mc.failures)}});
      nlohmann::json labels = {
          {"listener", st.cfg.name}, {"pair", e.pairs[p].name}, {"member", address}};
      metrics.push_back(metrics::metric("mail_member_sessions", "gauge",
                                        "Proxied sessions open to each storage member.",
                                        c::get(mc.sessions), labels));
    }
    pairs.push_back({{"name", e.pairs[p].name}, {"members", members}});
  }
  nlohmann::json labels = {{"listener", st.cfg.name}};
  metrics.push_back(metrics::metric("mail_logins_total", "counter", "Logins proxied.",
                                    c::get(k.logins_ok), labels));
  metrics.push_back(metrics::metric("mail_login_failures_total", "counter",
                                    "Logins refused by the backend.", c::get(k.logins_failed),
                                    labels));
  metrics.push_back(metrics::metric("mail_open_connections", "gauge", "Open client connections.",
                                    c::get(k.open), labels));
  const char* tls_modes[] = {"none", "starttls", "implicit"};
  return {{"listener", st.cfg.name},
          {"protocol", e.protocol == mail_protocol::imap ? "imap" : "pop3"},
          {"listen", format_ipv4(e.address) + ":" + std::to_string(st.core->engine().port())},
          {"tls", tls_modes[int(e.tls_mode)]},
          {"accepted", c::get(k.accepted)},
          {"open", c::get(k.open)},
          {"connections",
           {{"prelogin", c::get(k.prelogin)},
            {"logging_in", c::get(k.logging_in)},
            {"proxying", c::get(k.proxying)}}},
          {"logins",
           {{"ok", c::get(k.logins_ok)},
            {"failed", c::get(k.logins_failed)},
            {"unavailable", c::get(k.logins_unavailable)},
            {"timeouts", c::get(k.login_timeouts)}}},
          {"refused_commands", c::get(k.refused_commands)},
          {"closed_by_limits", c::get(k.closed_by_limits)},
          {"tls_handshakes", c::get(k.tls_handshakes)},
          {"tls_failures", c::get(k.tls_failures)},
          {"bytes_in", c::get(k.bytes_in)},
          {"bytes_out", c::get(k.bytes_out)},
          {"handler_failures", c::get(k.handler_failures)},
          {"reloads", st.core->reloads()},
          {"retiring_open", st.core->retiring_open()},
          {"pairs", pairs},
          {"metrics", metrics}};
}

// An engine for `cfg` (taking `inherited_listener` over when >= 0), started, or null and why.
std::unique_ptr<mail_engine> start_engine(const mail_listener_config& cfg, int inherited_listener,
                                          std::string& error) {
  auto settings = cfg.engine;
  if (!cfg.tls.certificates.empty()) {
    settings.tls = net::tls_server_context::load(cfg.tls, error);
    if (!settings.tls) {
      error = "TLS: " + error;
      return nullptr;
    }
  }
  auto engine = std::make_unique<mail_engine>(settings);
  if (error = engine->start(inherited_listener); !error.empty()) return nullptr;
  return engine;
}

// The member probes of pairs with a check, in the proxy subtree beside this listener.
void follow_probes(self_ptr self) {
  auto& st = self->state;
  auto subtree = st.path.substr(0, st.path.rfind("mail/"));
  std::map<std::string, listener_core<mail_engine>::target> targets;
  for (size_t p = 0; p < st.cfg.pair_checks.size(); ++p)
    if (st.cfg.pair_checks[p])
      for (size_t m = 0; m < st.cfg.engine.pairs[p].members.size(); ++m)
        targets[subtree + st.cfg.probe_name(p, m)] = {p, m};
  st.core->set_probe_targets(std::move(targets));
  st.probes.follow(self, st.core->probe_paths());
}

// A reload: a new engine with the new config (directory, pairs, limits, TLS) takes the
// listening socket over (same address) or opens its own. The old one stops accepting; its
// clients still before login finish their login there, its proxied sessions go on.
void reload(self_ptr self, const mail_listener_config& next) {
  auto& st = self->state;
  bool same_address = next.engine.address == st.cfg.engine.address &&
                      next.engine.port == st.cfg.engine.port &&
                      next.engine.protocol == st.cfg.engine.protocol;
  std::string err;
  auto engine = start_engine(next, st.core->socket_to_hand_over(same_address), err);
  if (!engine) {
    // The old engine goes on serving; the operator sees why and fixes the config.
    st.log->error("reload refused, the running config stays: {}", err);
    return;
  }
  st.cfg = next;
  auto kept = st.core->replace(std::move(engine), std::chrono::steady_clock::now() + retire_limit);
  follow_probes(self);
  // The new engine starts with every member up: what the probes last said still holds.
  st.core->for_each_verdict([&](auto target, bool up) {
    st.core->engine().set_member_up(target.first, target.second, up);
  });
  st.log->info("reloaded: {} pair(s); the previous engine keeps {} connection(s)",
               st.cfg.engine.pairs.size(), kept);
  self->send(self, retire_tick_atom_v);
}

caf::behavior mail_listener(self_ptr self, std::string path, mail_listener_config cfg) {
  auto& st = self->state;
  st.path = std::move(path);
  st.cfg = std::move(cfg);
  st.log = logging::get(st.path);
  std::string err;
  auto engine = start_engine(st.cfg, -1, err);
  if (!engine) {
    st.log->error("cannot start: {}", err);
    self->quit(caf::make_error(caf::sec::runtime_error, err));
    return {};
  }
  st.core.emplace(std::move(engine));
  st.log->info(
      "{} on {}:{}, {} pair(s)", st.cfg.engine.protocol == mail_protocol::imap ? "IMAP" : "POP3",
      format_ipv4(st.cfg.engine.address), st.core->engine().port(), st.cfg.engine.pairs.size());
  follow_probes(self);
  self->set_down_handler([=](caf::down_msg& dm) { self->state.probes.on_down(self, dm.source); });
  self->set_exit_handler([=](caf::exit_msg& em) {
    auto& st = self->state;
    uint64_t open = st.core->stop_accepting();
    // Only a graceful stop (the supervisor's user_shutdown) drains; a kill or a crash (what
    // `hameshctl kill` sends) ends the connections at once, as a dead process would.
    if (em.reason != caf::exit_reason::user_shutdown || open == 0) return self->quit(em.reason);
    st.log->info("stopping: {} connection(s) open", open);
    st.stop_reason = em.reason;
    st.core->begin_drain(std::chrono::steady_clock::now() + drain_limit);
    self->send(self, drain_tick_atom_v);
  });
  return {
      [=](probe_verdict_atom, const std::string& probe_path, const std::string& verdict,
          const std::string& detail) {
        auto& st = self->state;
        auto v = st.core->on_verdict(probe_path, verdict);
        if (!v) return;
        auto [pair, member] = v->of;
        if (v->changed)
          st.log->log(v->up ? spdlog::level::info : spdlog::level::warn, "pair {}: {} is {} ({})",
                      st.cfg.engine.pairs[pair].name, probe_path.substr(probe_path.rfind('/') + 1),
                      v->up ? "up" : "down", detail);
        st.core->engine().set_member_up(pair, member, v->up);
      },
      [=](probe_retry_atom, const std::string& probe_path) {
        self->state.probes.retry(self, probe_path);
      },
      [=](drain_tick_atom) {
        auto& st = self->state;
        if (st.core->drained(std::chrono::steady_clock::now())) return self->quit(st.stop_reason);
        self->delayed_send(self, std::chrono::milliseconds(20), drain_tick_atom_v);
      },
      [=](mail_update_atom, std::shared_ptr<const mail_listener_config> next) {
        reload(self, *next);
      },
      [=](retire_tick_atom) {
        auto& st = self->state;
        if (auto cut = st.core->sweep_retired(std::chrono::steady_clock::now()); cut > 0)
          st.log->warn("previous engine: closed {} session(s) still open", cut);
        // Sessions last long: a slower tick than the HTTP listener's.
        if (st.core->retiring())
          self->delayed_send(self, std::chrono::milliseconds(200), retire_tick_atom_v);
      },
      [=](state_atom, const std::string&) {
        actor_state s;
        s.fields_json = fields(self->state).dump();
        return s;
      },
  };
}

}  // namespace

caf::actor spawn_mail_listener(caf::local_actor* parent, const std::string& path,
                               const mail_listener_config& cfg) {
  return parent->spawn(mail_listener, path, cfg);
}

}  // namespace hamesh::proxy::mail
