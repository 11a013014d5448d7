#include "actors/proxy/mail/mail_listener_actor.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>
#include <set>

#include "actors/probe/probe_follower.hpp"
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

struct listener_state {
  std::string path;
  mail_listener_config cfg;
  std::unique_ptr<mail_engine> engine;
  probe::probe_follower probes;
  std::map<std::string, std::pair<size_t, size_t>> probe_members;  // path -> pair, member
  std::map<std::string, bool> probe_up;
  caf::error stop_reason;
  std::chrono::steady_clock::time_point drain_deadline;
  std::shared_ptr<spdlog::logger> log;
};

using self_ptr = caf::stateful_actor<listener_state>*;

nlohmann::json fields(const listener_state& st) {
  using c = mail_engine_counters;
  auto& k = st.engine->counters();
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
          {"listen", format_ipv4(e.address) + ":" + std::to_string(st.engine->port())},
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
          {"pairs", pairs},
          {"metrics", metrics}};
}

caf::behavior mail_listener(self_ptr self, std::string path, mail_listener_config cfg) {
  auto& st = self->state;
  st.path = std::move(path);
  st.cfg = std::move(cfg);
  st.log = logging::get(st.path);
  auto settings = st.cfg.engine;
  if (!st.cfg.tls.certificates.empty()) {
    std::string error;
    settings.tls = net::tls_server_context::load(st.cfg.tls, error);
    if (!settings.tls) {
      st.log->error("cannot start: TLS: {}", error);
      self->quit(caf::make_error(caf::sec::runtime_error, error));
      return {};
    }
  }
  st.engine = std::make_unique<mail_engine>(settings);
  if (auto err = st.engine->start(); !err.empty()) {
    st.log->error("cannot start: {}", err);
    self->quit(caf::make_error(caf::sec::runtime_error, err));
    return {};
  }
  st.log->info("{} on {}:{}, {} pair(s)",
               st.cfg.engine.protocol == mail_protocol::imap ? "IMAP" : "POP3",
               format_ipv4(st.cfg.engine.address), st.engine->port(), st.cfg.engine.pairs.size());
  auto subtree = st.path.substr(0, st.path.rfind("mail/"));
  std::set<std::string> paths;
  for (size_t p = 0; p < st.cfg.pair_checks.size(); ++p)
    if (st.cfg.pair_checks[p])
      for (size_t m = 0; m < st.cfg.engine.pairs[p].members.size(); ++m) {
        auto probe_path = subtree + st.cfg.probe_name(p, m);
        st.probe_members[probe_path] = {p, m};
        paths.insert(probe_path);
      }
  st.probes.follow(self, paths);
  self->set_down_handler([=](caf::down_msg& dm) { self->state.probes.on_down(self, dm.source); });
  self->set_exit_handler([=](caf::exit_msg& em) {
    auto& st = self->state;
    st.engine->stop_accepting();
    if (em.reason == caf::exit_reason::kill || st.engine->open_connections() == 0)
      return self->quit(em.reason);
    st.log->info("stopping: {} connection(s) open", st.engine->open_connections());
    st.stop_reason = em.reason;
    st.drain_deadline = std::chrono::steady_clock::now() + drain_limit;
    self->send(self, drain_tick_atom_v);
  });
  return {
      [=](probe_verdict_atom, const std::string& probe_path, const std::string& verdict,
          const std::string& detail) {
        auto& st = self->state;
        auto it = st.probe_members.find(probe_path);
        if (it == st.probe_members.end()) return;
        auto [pair, member] = it->second;
        bool up = verdict != "down";
        auto last = st.probe_up.find(probe_path);
        bool changed = last == st.probe_up.end() ? !up : last->second != up;
        st.probe_up[probe_path] = up;
        if (changed)
          st.log->log(up ? spdlog::level::info : spdlog::level::warn, "pair {}: {} is {} ({})",
                      st.cfg.engine.pairs[pair].name, probe_path.substr(probe_path.rfind('/') + 1),
                      up ? "up" : "down", detail);
        st.engine->set_member_up(pair, member, up);
      },
      [=](probe_retry_atom, const std::string& probe_path) {
        self->state.probes.retry(self, probe_path);
      },
      [=](drain_tick_atom) {
        auto& st = self->state;
        if (st.engine->open_connections() == 0 ||
            std::chrono::steady_clock::now() >= st.drain_deadline)
          return self->quit(st.stop_reason);
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

caf::actor spawn_mail_listener(caf::local_actor* parent, const std::string& path,
                               const mail_listener_config& cfg) {
  return parent->spawn(mail_listener, path, cfg);
}

}  // namespace hamesh::proxy::mail
