#include "actors/probe/probe_actor.hpp"

#include <caf/all.hpp>

#include <deque>
#include <nlohmann/json.hpp>

#include "actors/probe/check_runner.hpp"
#include "actors/probe/health_counter.hpp"
#include "runtime/caf_types.hpp"
#include "runtime/logging.hpp"
#include "runtime/metrics/metric_json.hpp"
#include "runtime/net/command_runner.hpp"

namespace hamesh::probe {
namespace {

using steady = std::chrono::steady_clock;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct transition_record {
  std::string from, to, detail;
  int64_t at_ms = 0;
};

struct probe_state {
  std::string path;
  check_settings cfg;
  std::unique_ptr<health_counter> counter;
  bool in_flight = false;
  uint64_t attempts = 0;
  uint64_t failures = 0;
  uint64_t overruns = 0;  // a tick found the previous attempt still running
  bool has_result = false;
  check_result last;
  int64_t last_at_ms = 0;
  std::deque<transition_record> transitions;
  std::vector<caf::actor> subscribers;
  std::shared_ptr<spdlog::logger> log;
};

using self_ptr = caf::stateful_actor<probe_state>*;

std::string target(const check_settings& c) {
  if (c.kind == check_kind::script) return c.command.empty() ? "" : c.command[0];
  if (c.kind == check_kind::icmp) return c.host;
  return c.host + ":" + std::to_string(c.port);
}

void tell(self_ptr self, const caf::actor& subscriber) {
  auto& st = self->state;
  self->send(subscriber, probe_verdict_atom_v, st.path,
             std::string(to_string(st.counter->verdict())), st.last.detail);
}

void start_attempt(self_ptr self) {
  auto& st = self->state;
  if (st.in_flight) {
    ++st.overruns;
    return;
  }
  st.in_flight = true;
  ++st.attempts;
  auto me = caf::actor_cast<caf::actor>(self);
  if (st.cfg.kind == check_kind::script) {
    auto weak = caf::actor_cast<caf::weak_actor_ptr>(self);
    auto started = steady::now();
    net::run_command(st.cfg.command, st.cfg.timeout, [weak, started](net::command_outcome out) {
      auto latency = std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - started);
      bool ok = out.started && !out.timed_out && out.exit_code == 0;
      std::string detail = !out.started    ? out.error
                           : out.timed_out ? "killed after its timeout"
                                           : "exit " + std::to_string(out.exit_code);
      if (auto me = caf::actor_cast<caf::actor>(weak))
        caf::anon_send(me, probe_result_atom_v, ok, int64_t(latency.count()), detail);
    });
    return;
  }
  // A thread per attempt: blocking I/O bounded by the deadline, off the scheduler's threads.
  auto deadline = steady::now() + st.cfg.timeout;
  // The inputs go as spawn arguments, not lambda captures: CAF 0.17 dereferences a null
  // argument tuple for an argument-less function (UBSan reports it).
  self->spawn<caf::detached>(
      [](caf::event_based_actor* worker, const check_settings& cfg, steady::time_point deadline,
         const caf::actor& owner) {
        auto r = run_check(cfg, deadline);
        worker->send(owner, probe_result_atom_v, r.ok, int64_t(r.latency.count()), r.detail);
      },
      st.cfg, deadline, me);
}

void on_result(self_ptr self, bool ok, int64_t latency_ns, const std::string& detail) {
  auto& st = self->state;
  st.in_flight = false;
  st.has_result = true;
  st.last = {ok, std::chrono::nanoseconds(latency_ns), detail};
  st.last_at_ms = wall_ms();
  if (!ok) ++st.failures;
  auto before = st.counter->verdict();
  auto changed = st.counter->record(ok);
  if (!changed) {
    if (!ok)
      st.log->debug("check failed ({} more to go down): {}", st.counter->needed_to_change(),
                    detail);
    return;
  }
  auto level = *changed == health::down ? spdlog::level::warn : spdlog::level::info;
  st.log->log(level, "{} -> {} ({}: {})", to_string(before), to_string(*changed), target(st.cfg),
              detail);
  st.transitions.push_back({to_string(before), to_string(*changed), detail, st.last_at_ms});
  if (st.transitions.size() > 32) st.transitions.pop_front();
  for (auto& s : st.subscribers) tell(self, s);
}

nlohmann::json fields(const probe_state& st) {
  auto transitions = nlohmann::json::array();
  for (auto& t : st.transitions)
    transitions.push_back(
        {{"from", t.from}, {"to", t.to}, {"detail", t.detail}, {"at_ms", t.at_ms}});
  auto verdict = st.counter->verdict();
  auto metrics = nlohmann::json::array();
  metrics.push_back(metrics::metric("probe_up", "gauge", "1 while the check's verdict is up.",
                                    verdict == health::up ? 1 : 0));
  metrics.push_back(
      metrics::metric("probe_attempts_total", "counter", "Check attempts.", st.attempts));
  metrics.push_back(
      metrics::metric("probe_failures_total", "counter", "Failed check attempts.", st.failures));
  if (st.has_result)
    metrics.push_back(metrics::metric("probe_latency_seconds", "gauge",
                                      "Duration of the last attempt.",
                                      std::chrono::duration<double>(st.last.latency).count()));
  nlohmann::json last;
  if (st.has_result)
    last = {{"ok", st.last.ok},
            {"detail", st.last.detail},
            {"latency_ms", std::chrono::duration<double, std::milli>(st.last.latency).count()},
            {"at_ms", st.last_at_ms}};
  return {{"check", to_string(st.cfg.kind)},
          {"target", target(st.cfg)},
          {"state", to_string(verdict)},
          {"healthy", verdict != health::down},
          {"interval", format_duration(st.cfg.interval)},
          {"timeout", format_duration(st.cfg.timeout)},
          {"rise", st.cfg.rise},
          {"fall", st.cfg.fall},
          {"streak", st.counter->streak()},
          {"last", last},
          {"attempts", st.attempts},
          {"failures", st.failures},
          {"overruns", st.overruns},
          {"subscribers", st.subscribers.size()},
          {"transitions", transitions},
          {"metrics", metrics}};
}

caf::behavior probe(self_ptr self, std::string path, check_settings cfg) {
  auto& st = self->state;
  st.path = std::move(path);
  st.cfg = std::move(cfg);
  st.counter = std::make_unique<health_counter>(st.cfg.rise, st.cfg.fall);
  st.log = logging::get(st.path);
  st.log->info("checking {} {} every {} (timeout {}, rise {}, fall {})", to_string(st.cfg.kind),
               target(st.cfg), format_duration(st.cfg.interval), format_duration(st.cfg.timeout),
               st.cfg.rise, st.cfg.fall);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& subs = self->state.subscribers;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const caf::actor& a) { return a.address() == dm.source; }),
               subs.end());
  });
  self->send(self, probe_tick_atom_v);
  return {
      [=](probe_tick_atom) {
        start_attempt(self);
        self->delayed_send(self, self->state.cfg.interval, probe_tick_atom_v);
      },
      [=](probe_result_atom, bool ok, int64_t latency_ns, const std::string& detail) {
        on_result(self, ok, latency_ns, detail);
      },
      [=](probe_subscribe_atom) {
        auto who = caf::actor_cast<caf::actor>(self->current_sender());
        if (!who) return;
        self->monitor(who);
        self->state.subscribers.push_back(who);
        tell(self, who);
      },
      [=](state_atom, const std::string&) {
        actor_state s;
        s.fields_json = fields(self->state).dump();
        return s;
      },
  };
}

}  // namespace

caf::actor spawn_probe(caf::local_actor* parent, const std::string& path,
                       const check_settings& check) {
  return parent->spawn(probe, path, check);
}

}  // namespace hamesh::probe
