// The heartbeat actor's answer to a state query: what `hameshctl heartbeat` shows and the
// counters /metrics exports (one table: the "metrics" array).
#include <nlohmann/json.hpp>

#include "actors/heartbeat/heartbeat_actor_impl.hpp"
#include "runtime/ipv4_text.hpp"
#include "runtime/metrics/metric_json.hpp"

namespace hamesh::heartbeat {
namespace {

using nlohmann::json;

int64_t ms(duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

json ago(std::optional<time_point> t, time_point now) {
  return t ? json(ms(now - *t)) : json();
}

// The drop reasons a datagram can have (heartbeat_errc's wire and sender values).
const std::vector<heartbeat_errc>& drop_reasons() {
  static const std::vector<heartbeat_errc> reasons = {
      heartbeat_errc::oversized,        heartbeat_errc::malformed,
      heartbeat_errc::version_mismatch, heartbeat_errc::unsigned_message,
      heartbeat_errc::bad_signature,    heartbeat_errc::wrong_pair,
      heartbeat_errc::own_message,      heartbeat_errc::unknown_peer,
      heartbeat_errc::unknown_link,     heartbeat_errc::replay};
  return reasons;
}

json run_json(const heartbeat_actor_state& st, const std::optional<plan_run>& run) {
  if (!run) return json();
  auto steps = json::array();
  for (auto& e : run->timeline)
    steps.push_back({{"name", e.name},
                     {"kind", to_string(e.kind)},
                     {"action", to_string(e.action)},
                     {"status", to_string(e.status)},
                     {"reason", e.reason},
                     {"rollback", e.rollback},
                     {"at_ms", ms(e.started - run->started)},
                     {"took_ms", ms(e.ended - e.started)}});
  return {{"kind", to_string(run->kind)},
          {"reason", run->reason},
          {"result", to_string(run->result)},
          {"summary", run->summary},
          {"started_at_ms", st.wall_ms(run->started)},
          {"took_ms", run->ended ? json(ms(*run->ended - run->started)) : json()},
          {"timeline", steps}};
}

}  // namespace

std::string fields_json(const heartbeat_actor_state& st) {
  auto now = steady::now();
  auto& m = *st.monitor;
  json labels = {{"pair", st.cfg.pair}};
  auto metrics = json::array();
  auto metric = [&](const std::string& name, const char* type, const std::string& help,
                    double value, json extra = json::object()) {
    json l = labels;
    for (auto& [k, v] : extra.items()) l[k] = v;
    metrics.push_back(metrics::metric(name, type, help, value, l));
  };

  auto links = json::array();
  for (size_t i = 0; i < st.cfg.links.size(); ++i) {
    auto& c = st.cfg.links[i];
    auto& s = m.links()[i];
    auto& k = st.link_stats[i];
    links.push_back(
        {{"name", c.name},
         {"transport", c.over_mesh     ? "mesh"
                       : c.multicast() ? "multicast"
                                       : "unicast"},
         {"listen", c.over_mesh
                        ? "mesh"
                        : format_ipv4(c.listen_address) + ":" + std::to_string(c.listen_port)},
         {"to", c.over_mesh ? st.cfg.peer
                            : format_ipv4(c.multicast() ? c.group : c.peer_address) + ":" +
                                  std::to_string(c.peer_port)},
         {"state", to_string(s.state)},
         {"last_heard_ms", ago(s.last_heard, now)},
         {"first_copies", s.first_copies},
         {"later_copies", s.later_copies},
         {"failures", s.failures},
         {"crossed", s.crossed},
         {"sent", k.sent},
         {"send_errors", k.send_errors},
         {"last_send_error", k.last_send_error.empty() ? json() : json(k.last_send_error)}});
    json ll = {{"link", c.name}};
    metric("heartbeat_link_up", "gauge", "1 while the link hears the peer.",
           s.state == link_state::up ? 1 : 0, ll);
    metric("heartbeat_link_failures_total", "counter", "Link failures reported.",
           double(s.failures), ll);
    metric("heartbeat_sent_total", "counter", "Heartbeats sent.", double(k.sent), ll);
    metric("heartbeat_send_errors_total", "counter", "Heartbeats the kernel refused.",
           double(k.send_errors), ll);
  }

  json dropped = json::object();
  for (auto reason : drop_reasons()) {
    dropped[to_string(reason)] = st.intake->count(reason);
    metric("heartbeat_dropped_total", "counter", "Datagrams dropped, by reason.",
           double(st.intake->count(reason)), {{"reason", to_string(reason)}});
  }

  auto resources = json::array();
  auto& held = st.plan->held();
  for (size_t i = 0; i < st.cfg.resources.size(); ++i) {
    auto& r = st.cfg.resources[i];
    json j = {{"name", r.step.name},
              {"kind", to_string(r.step.kind)},
              {"state", held[i] ? "held" : "stopped"},
              {"timeout", format_duration(r.step.timeout)}};
    if (r.step.kind == resource_kind::promote_replica) j["volume"] = r.volume;
    if (r.step.kind == resource_kind::service_ip) {
      j["address"] = format_ipv4(r.address) + "/" + std::to_string(r.prefix);
      j["interface"] = r.interface;
    }
    if (st.plan->pending() && st.plan->pending()->index == i)
      j["state"] = std::string(to_string(st.plan->pending()->action)) + "ing";
    resources.push_back(j);
    metric("heartbeat_resource_held", "gauge", "1 while this node holds the resource.",
           held[i] ? 1 : 0, {{"resource", r.step.name}});
  }

  auto last = m.last_message();
  json peer = {{"name", st.cfg.peer},
               {"state", to_string(m.peer())},
               {"generation", m.peer_generation()},
               {"role", last ? to_string(last->role) : "unknown"},
               {"resources_held", last ? json(last->resources_held) : json()},
               {"degraded", last ? json(last->degraded) : json()},
               {"can_serve", last ? json(last->can_serve) : json()},
               {"hears_us", m.peer_hears(st.generation)},
               {"last_heard_ms", ago(m.last_heard(), now)},
               {"deaths", m.deaths()},
               {"late_heartbeats", m.late_heartbeats()}};

  auto events = json::array();
  for (auto& e : st.events)
    events.push_back({{"what", e.what}, {"detail", e.detail}, {"at_ms", e.at_ms}});

  auto role = announced_role(facts_of(st), st.releasing);
  metric("heartbeat_peer_alive", "gauge", "1 while the peer is alive (heard within warntime).",
         m.peer() == peer_state::alive ? 1 : 0);
  metric("heartbeat_primary", "gauge", "1 while this node holds the pair's resources.",
         st.plan->holds_any() ? 1 : 0);
  metric("heartbeat_accepted_total", "counter", "Heartbeats accepted (first copies).",
         double(st.intake->first_copies()));
  metric("heartbeat_takeovers_total", "counter", "Takeovers started.", double(st.takeovers));
  metric("heartbeat_takeover_failures_total", "counter", "Takeovers that did not end serving.",
         double(st.takeover_failures));
  metric("heartbeat_fence_runs_total", "counter", "Fence actions run.", double(st.fence_runs));
  metric("heartbeat_fence_failures_total", "counter", "Fence actions that failed.",
         double(st.fence_failures));

  auto& t = st.cfg.timing;
  json fence = json();
  if (st.cfg.fence) {
    std::string command;
    for (auto& a : st.cfg.fence->command) command += (command.empty() ? "" : " ") + a;
    fence = {{"command", command},
             {"policy", to_string(st.cfg.fencing)},
             {"timeout", format_duration(st.cfg.fence->timeout)},
             {"runs", st.fence_runs},
             {"failures", st.fence_failures}};
  }
  json out = {
      {"pair", st.cfg.pair},
      {"self", st.cfg.self},
      {"generation", st.generation},
      {"peer", peer},
      {"links", links},
      {"role", to_string(role)},
      {"ready", st.ready},
      {"degraded", st.degraded},
      {"can_serve", st.can_serve},
      {"failed_disk", st.failed_disk.empty() ? json() : json(st.failed_disk)},
      {"stopping", st.stopping},
      {"holds_any", st.plan->holds_any()},
      {"holds_all", st.plan->holds_all()},
      {"running", st.plan->current() ? json(to_string(st.plan->current()->kind)) : json()},
      {"resources", resources},
      {"fence", fence},
      {"preferred", st.cfg.preferred.empty() ? json() : json(st.cfg.preferred)},
      {"auto_failback", st.cfg.auto_failback},
      {"timing",
       {{"keepalive", format_duration(t.keepalive)},
        {"warntime", format_duration(t.warntime)},
        {"deadtime", format_duration(t.deadtime)},
        {"initdead", format_duration(t.initdead)}}},
      {"accepted", st.intake->first_copies()},
      {"later_copies", st.intake->later_copies()},
      {"dropped", dropped},
      {"counters",
       {{"takeovers", st.takeovers},
        {"takeover_failures", st.takeover_failures},
        {"releases", st.releases},
        {"forced_promotions", st.forced_promotions}}},
      {"last_takeover", run_json(st, st.plan->last_takeover())},
      {"last_release", run_json(st, st.plan->last_release())},
      {"current_run", run_json(st, st.plan->current())},
      {"events", events},
      {"metrics", metrics},
  };
  return out.dump();
}

}  // namespace hamesh::heartbeat
