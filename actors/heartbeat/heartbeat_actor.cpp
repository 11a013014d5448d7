#include "actors/heartbeat/heartbeat_actor.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "actors/heartbeat/heartbeat_actor_impl.hpp"
#include "runtime/caf_types.hpp"
#include "runtime/ipv4_text.hpp"
#include "runtime/net/address_control.hpp"
#include "runtime/net/interface_info.hpp"

namespace hamesh::heartbeat {
namespace {

using namespace std::chrono_literals;

void evaluate(self_ptr self);
void poll_readiness(self_ptr self);

// How often the replicas' disk states are asked for can_serve: a few keepalives of a tight
// pair; auto_failback waits at most this long after the resync ends.
constexpr auto readiness_interval = std::chrono::milliseconds(200);

// The volumes of the replica resources, in start order.
std::vector<std::string> replica_volumes(const heartbeat_actor_state& st) {
  std::vector<std::string> volumes;
  for (auto& r : st.cfg.resources)
    if (r.step.kind == resource_kind::promote_replica) volumes.push_back(r.volume);
  return volumes;
}

std::string ms_text(duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + "ms";
}

sender_status status_of(const heartbeat_actor_state& st) {
  sender_status s;
  s.role = announced_role(facts_of(st), st.releasing);
  s.resources_held = st.plan->holds_any();
  s.degraded = st.unfit();
  s.can_serve = st.can_serve && !s.degraded;
  s.peer_generation = st.monitor->peer_generation();
  return s;
}

// The peer's heartbeat actor over the mesh: our mesh actor names the peer node's top, which
// finds its heartbeat actor by path. Retried at the next round while not found.
void find_mesh_peer(self_ptr self) {
  auto& st = self->state;
  if (!st.mesh_link || st.mesh_peer || st.mesh_lookup_pending) return;
  auto top = self->system().registry().get(node_registry_name);
  if (!top) return;
  st.mesh_lookup_pending = true;
  auto timeout = std::chrono::seconds(2);
  auto give_up = [=](caf::error&) { self->state.mesh_lookup_pending = false; };
  auto node = caf::actor_cast<caf::actor>(top);
  self->request(node, timeout, lookup_atom_v, std::string("mesh"))
      .then(
          [=](caf::actor& mesh) {
            self->request(mesh, timeout, mesh_peer_atom_v, self->state.cfg.peer)
                .then(
                    [=](caf::actor& peer_node) {
                      self->request(peer_node, timeout, lookup_atom_v,
                                    "storage/heartbeat/" + self->state.cfg.pair)
                          .then(
                              [=](caf::actor& peer) {
                                auto& st = self->state;
                                st.mesh_lookup_pending = false;
                                st.mesh_peer = peer;
                                self->monitor(peer);
                                st.log->info("link mesh: the peer's heartbeat actor found");
                              },
                              give_up);
                    },
                    give_up);
          },
          give_up);
}

void send_round(self_ptr self, const std::vector<outgoing_heartbeat>& round) {
  auto& st = self->state;
  for (auto& out : round) {
    auto encoded = st.codec->encode(out.message);
    if (encoded.error != heartbeat_errc::none) continue;
    auto& c = st.link_stats[out.link];
    std::string why;
    if (st.mesh_link && out.link == *st.mesh_link) {
      if (st.mesh_peer) {
        self->send(st.mesh_peer, hb_mesh_atom_v,
                   std::string(encoded.bytes.begin(), encoded.bytes.end()));
        ++c.sent;
      } else {
        ++c.send_errors;
        c.last_send_error = "the peer's heartbeat actor is not reachable over the mesh";
        find_mesh_peer(self);
      }
      continue;
    }
    if (st.links.send(out.link, encoded.bytes, &why)) {
      ++c.sent;
    } else {
      // Logged once per change of error: a cut link fails every keepalive.
      if (c.last_send_error != why)
        st.log->warn("link {}: cannot send: {}", st.cfg.links[out.link].name, why);
      ++c.send_errors;
      c.last_send_error = why;
    }
  }
  if (!round.empty()) {
    st.announced = round.front().message.role;
    st.announced_held = round.front().message.resources_held;
  }
}

// A round now when what we announce changed (the peer acts on roles at once: a hand-over).
void announce_if_changed(self_ptr self) {
  auto& st = self->state;
  auto s = status_of(st);
  if (s.role == st.announced && s.resources_held == st.announced_held) return;
  send_round(self, st.sender->send_now(steady::now(), s));
}

void schedule(self_ptr self) {
  auto& st = self->state;
  auto next = st.sender->next_send();
  if (auto d = st.monitor->next_deadline()) next = std::min(next, *d);
  auto wait = next - steady::now();
  if (wait < steady::duration::zero()) wait = steady::duration::zero();
  self->delayed_send(self, wait, hb_tick_atom_v, ++st.timer_generation);
}

void on_events(self_ptr self, const std::vector<monitor_event>& events) {
  auto& st = self->state;
  for (auto& e : events) {
    std::string link = e.link ? st.cfg.links[*e.link].name : "";
    std::string silence = ms_text(e.silence);
    switch (e.kind) {
      case monitor_event_kind::peer_alive:
        st.log->info("peer {} alive (generation {})", st.cfg.peer, e.generation);
        break;
      case monitor_event_kind::peer_suspected:
        st.log->warn("peer {} suspected: nothing on any link for {}", st.cfg.peer, silence);
        break;
      case monitor_event_kind::peer_recovered:
        st.log->info("peer {} heard again after {} (late heartbeat)", st.cfg.peer, silence);
        break;
      case monitor_event_kind::peer_dead:
        st.last_death_silence = e.silence;
        st.log->error("peer {} dead: nothing on any link for {}{}", st.cfg.peer, silence,
                      e.never_heard ? " (never heard since start: initdead)" : "");
        break;
      case monitor_event_kind::peer_returned:
        st.log->warn("peer {} returned after {}{}", st.cfg.peer, silence,
                     e.restarted ? " (restarted)" : "");
        break;
      case monitor_event_kind::peer_restarted:
        st.log->warn("peer {} restarted (generation {})", st.cfg.peer, e.generation);
        break;
      case monitor_event_kind::link_failed:
        st.log->error("link {} failed: silent for {} while the peer is heard on another link", link,
                      silence);
        break;
      case monitor_event_kind::link_restored:
        st.log->info("link {} restored after {}", link, silence);
        break;
    }
    st.record(std::string(to_string(e.kind)) + (link.empty() ? "" : " " + link),
              "silence " + silence + ", generation " + std::to_string(e.generation));
    // A peer event is new information: a takeover or release that failed may be tried again
    // (pair_arbiter rule 3: no retry loop on the same facts).
    if (e.kind != monitor_event_kind::link_failed && e.kind != monitor_event_kind::link_restored &&
        e.kind != monitor_event_kind::peer_suspected &&
        e.kind != monitor_event_kind::peer_recovered) {
      st.last_takeover_failed = false;
      st.last_release_failed = false;
    }
  }
}

void maybe_quit(self_ptr self) {
  auto& st = self->state;
  if (!st.stopping || st.quitting || st.plan->running() ||
      (st.plan->holds_any() && !st.last_release_failed))
    return;
  st.quitting = true;  // evaluate() may come here again before the quit takes effect
  // The last word: holding nothing (or what a failed stop left), so the peer takes over now.
  send_round(self, st.sender->send_now(steady::now(), status_of(st)));
  st.log->info("stopped ({})",
               st.plan->holds_any() ? "a stop failed: resources may be held" : "nothing held");
  self->quit(st.quit_reason);
}

void on_finished(self_ptr self, run_result result) {
  auto& st = self->state;
  const auto& run = result == run_result::released || result == run_result::release_incomplete
                        ? st.plan->last_release()
                        : st.plan->last_takeover();
  std::string took = run && run->ended ? ms_text(*run->ended - run->started) : "?";
  std::string summary = run ? run->summary : "";
  switch (result) {
    case run_result::serving:
      st.last_takeover_failed = false;
      st.log->info("serving: {} in {}", summary, took);
      break;
    case run_result::released:
      st.last_release_failed = false;
      st.log->info("released in {}", took);
      break;
    case run_result::release_incomplete:
      st.last_release_failed = true;
      st.log->error("{} (after {})", summary, took);
      break;
    default:  // a takeover that did not end serving
      st.last_takeover_failed = true;
      ++st.takeover_failures;
      st.log->error("{} (after {})", summary, took);
      break;
  }
  st.record(to_string(result), summary);
  evaluate(self);
}

void handle(self_ptr self, const plan_progress& p) {
  if (p.next) {
    // Retries of the step (hb_retry_atom) keep this deadline: the step's timeout is its whole.
    self->state.step_deadline = steady::now() + p.next->step.timeout;
    run_step(self, *p.next);
  }
  if (p.finished) on_finished(self, *p.finished);
}

void evaluate(self_ptr self) {
  auto& st = self->state;
  if (!st.ready) return;
  auto f = facts_of(st);
  auto d = decide(f, pair_policy{st.cfg.self, st.cfg.peer, st.cfg.preferred, st.cfg.auto_failback});
  auto now = steady::now();
  if (d.action == pair_action::take_over) {
    st.fenced = false;
    ++st.takeovers;
    st.releasing = false;
    std::string reason = d.reason;
    if (st.monitor->peer() == peer_state::dead && st.last_death_silence)
      reason += " after " + ms_text(*st.last_death_silence) + " of silence";
    st.log->warn("taking over: {}{}", reason, d.fence && st.cfg.fence ? ", fencing first" : "");
    announce_if_changed(self);
    handle(self, st.plan->start_takeover(now, reason, d.fence));
  } else if (d.action == pair_action::release) {
    ++st.releases;
    st.releasing = true;
    st.log->warn("releasing: {}", d.reason);
    announce_if_changed(self);
    handle(self, st.plan->start_release(now, d.reason));
  } else {
    // Releasing is announced until the peer holds the resources (announced_role).
    if (st.releasing && !st.plan->running() && !st.plan->holds_any() &&
        announced_role(f, true) != heartbeat_role::releasing && !st.stopping)
      st.releasing = false;
    announce_if_changed(self);
  }
  maybe_quit(self);
}

void tick(self_ptr self) {
  auto& st = self->state;
  poll_readiness(self);
  auto now = steady::now();
  send_round(self, st.sender->due(now, status_of(st)));
  on_events(self, st.monitor->on_tick(now));
  evaluate(self);
  schedule(self);
}

void on_datagram(self_ptr self, size_t link, const std::vector<uint8_t>& bytes) {
  auto& st = self->state;
  auto r = st.intake->accept(link, bytes);
  if (!r.message) {
    auto n = st.intake->count(r.error);
    // Logged at the first drop of a reason and then every 1000th: a wrong key drops every one.
    if (n == 1 || n % 1000 == 0)
      st.log->warn("link {}: dropped a datagram: {} ({} so far)", st.cfg.links[link].name,
                   to_string(r.error), n);
    return;
  }
  on_events(self, st.monitor->on_heartbeat(link, *r.message, r.first_copy, steady::now()));
  evaluate(self);
  schedule(self);
}

// Start-up: which replicas are primary already (see heartbeat_actor.hpp). A replica still
// "standalone" may be starting (its engine promotes a new pair's initial primary a moment
// after the actor first answers): then all are asked again 50 ms later, up to 20 times,
// through (hb_retry_atom, 0) (ticket 0 is never a plan's).
void inspect_replicas(self_ptr self) {
  auto volumes = replica_volumes(self->state);
  auto finish = [self](std::string primary, bool starting) {
    auto& st = self->state;
    if (st.ready) return;
    if (primary.empty() && starting && st.inspections++ < 20) {
      self->delayed_send(self, 50ms, hb_retry_atom_v, uint64_t{0});
      return;
    }
    st.ready = true;
    if (!primary.empty()) {
      st.log->info("replica {} is primary: this node serves; taking its resources again", primary);
      ++st.takeovers;
      handle(self,
             st.plan->start_takeover(
                 steady::now(), "holding at start: replica " + primary + " is primary", false));
    } else {
      st.log->info("no replica is primary here: waiting for peer {} (initdead {})", st.cfg.peer,
                   format_duration(st.cfg.timing.initdead));
    }
    evaluate(self);
  };
  if (volumes.empty()) return finish("", false);
  auto pending = std::make_shared<size_t>(volumes.size());
  auto primary = std::make_shared<std::string>();
  auto starting = std::make_shared<bool>(false);
  for (auto& v : volumes)
    query_replica(self, v, 2s, [=](const nlohmann::json& f, std::string why) {
      if (f.is_null()) self->state.log->warn("replica {} not found at start: {}", v, why);
      // Not found or not answering yet: starting, asked again.
      bool is_primary = !f.is_null() && f.value("role", "") == "primary";
      bool is_starting = f.is_null() || f.value("connection", "") == "standalone";
      if (is_primary && primary->empty()) *primary = v;
      *starting = *starting || is_starting;
      if (--*pending == 0) finish(*primary, *starting);
    });
}

// can_serve: every replica resource's disk up to date, asked every readiness_interval. A
// replica that does not answer counts as not ready.
void poll_readiness(self_ptr self) {
  auto& st = self->state;
  auto now = steady::now();
  if (st.readiness_pending || now < st.readiness_due) return;
  st.readiness_due = now + readiness_interval;
  auto volumes = replica_volumes(st);
  if (volumes.empty()) {
    st.can_serve = true;
    return;
  }
  st.readiness_pending = true;
  auto pending = std::make_shared<size_t>(volumes.size());
  auto all = std::make_shared<bool>(true);
  // Volumes whose disk said failed, and those that did not answer (busy promoting, restarting).
  auto failed = std::make_shared<std::vector<std::string>>();
  auto unanswered = std::make_shared<std::vector<std::string>>();
  for (auto& v : volumes)
    query_replica(self, v, readiness_interval, [=](const nlohmann::json& f, std::string) {
      auto disk = f.is_null() ? std::string() : f.value("disk", "");
      if (f.is_null()) unanswered->push_back(v);
      if (disk == "failed") failed->push_back(v);
      *all = *all && disk == "up_to_date";
      if (--*pending) return;
      auto& st = self->state;
      st.readiness_pending = false;
      // The verdict already given stands while its volume still says failed or did not answer
      // (no recovery is announced for silence); else the first failed one, if any.
      auto listed = [&](const std::vector<std::string>& l) {
        return std::find(l.begin(), l.end(), st.failed_disk) != l.end();
      };
      std::string now_failed = !st.failed_disk.empty() && (listed(*failed) || listed(*unanswered))
                                   ? st.failed_disk
                               : failed->empty() ? std::string()
                                                 : failed->front();
      if (st.can_serve != *all) {
        st.log->info("{}", *all ? "replicas up to date: this node can serve"
                                : "a replica is not up to date: this node cannot serve now");
        st.record(*all ? "can_serve" : "cannot_serve", "");
      }
      st.can_serve = *all;
      if (st.failed_disk == now_failed) return;
      if (!now_failed.empty()) {
        st.log->error("replica {}: the local disk failed: handing the pair's resources to {}",
                      now_failed, st.cfg.peer);
        st.record("disk_failed", now_failed);
      } else {
        st.log->info("replica {}: the local disk works again", st.failed_disk);
        st.record("disk_recovered", st.failed_disk);
      }
      st.failed_disk = now_failed;
      evaluate(self);
    });
}

caf::behavior heartbeat_actor(self_ptr self, std::string path, heartbeat_config cfg) {
  auto& st = self->state;
  st.path = std::move(path);
  st.cfg = std::move(cfg);
  st.log = logging::get(st.path);
  st.started_at = steady::now();
  auto wall = std::chrono::system_clock::now();
  st.wall_minus_steady_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(wall.time_since_epoch()).count() -
      std::chrono::duration_cast<std::chrono::milliseconds>(st.started_at.time_since_epoch())
          .count();
  // heartbeat_message: larger at each start, so a restarted node is not taken for a replay.
  st.generation = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(wall.time_since_epoch()).count());
  st.codec = std::make_unique<heartbeat_codec>(st.cfg.key);
  st.intake = std::make_unique<heartbeat_intake>(
      *st.codec, intake_identity{st.cfg.self, st.cfg.peer, st.cfg.pair}, st.cfg.links.size(),
      st.cfg.timing.replay_window);
  st.monitor = std::make_unique<heartbeat_monitor>(st.cfg.timing, st.started_at);
  st.sender = std::make_unique<heartbeat_sender>(
      sender_identity{st.cfg.self, st.cfg.pair, st.generation}, st.cfg.timing.keepalive,
      st.cfg.timing.links, st.started_at);
  st.plan = std::make_unique<takeover_plan>(st.cfg.takeover());
  st.link_stats.resize(st.cfg.links.size());
  for (size_t i = 0; i < st.cfg.links.size(); ++i)
    if (st.cfg.links[i].over_mesh) st.mesh_link = i;
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.mesh_peer && dm.source == st.mesh_peer.address()) {
      st.mesh_peer = caf::actor{};  // found again at the next round (a restart, a reconnect)
      st.log->warn("link mesh: the peer's heartbeat actor is gone: {}",
                   self->system().render(dm.reason));
    }
  });
  // A SIGKILLed predecessor leaves its service IPs behind: nobody else would remove them.
  for (auto& r : st.cfg.resources) {
    if (r.step.kind != resource_kind::service_ip || !net::has_ipv4_address(r.interface, r.address))
      continue;
    st.log->warn("removing {} left on {} by an earlier run", format_ipv4(r.address), r.interface);
    if (auto iface = net::lookup_interface(r.interface))
      net::remove_ipv4_address(iface->index, r.address, r.prefix);
  }
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(self);
  auto err = st.links.open(st.cfg.links, [weak](size_t link, std::vector<uint8_t> bytes) {
    if (auto me = caf::actor_cast<caf::actor>(weak))
      caf::anon_send(me, hb_packet_atom_v, static_cast<uint64_t>(link), std::move(bytes));
  });
  if (!err.empty()) {
    st.log->error("cannot start: {}", err);
    self->quit(caf::make_error(caf::sec::runtime_error, err));
    return {};
  }
  if (auto node = self->system().registry().get(node_registry_name))
    self->send(caf::actor_cast<caf::actor>(node), subscribe_atom_v, degraded_atom_v);
  self->set_exit_handler([=](caf::exit_msg& em) {
    auto& st = self->state;
    if (em.reason == caf::exit_reason::kill) return self->quit(em.reason);
    if (st.stopping) return;
    // Graceful: give everything back in reverse order and say so, so the peer takes over
    // without waiting out deadtime; the supervisor's shutdown_timeout bounds how long.
    st.stopping = true;
    st.quit_reason = em.reason;
    st.ready = true;
    st.log->info("stopping: releasing what this node holds");
    evaluate(self);
  });
  std::string links;
  for (auto& l : st.cfg.links)
    links +=
        (links.empty() ? "" : ", ") +
        (l.over_mesh ? l.name + " (the CAF mesh to " + st.cfg.peer + ")"
                     : l.name + " " + format_ipv4(l.listen_address) + ":" +
                           std::to_string(l.listen_port) + (l.multicast() ? " -> group " : " -> ") +
                           format_ipv4(l.multicast() ? l.group : l.peer_address) + ":" +
                           std::to_string(l.peer_port));
  st.log->info("pair {} with {}: keepalive {}, warntime {}, deadtime {}, initdead {}; links {}",
               st.cfg.pair, st.cfg.peer, format_duration(st.cfg.timing.keepalive),
               format_duration(st.cfg.timing.warntime), format_duration(st.cfg.timing.deadtime),
               format_duration(st.cfg.timing.initdead), links);
  inspect_replicas(self);
  tick(self);
  return {
      [=](hb_tick_atom, uint64_t generation) {
        if (generation == self->state.timer_generation) tick(self);
      },
      [=](hb_mesh_atom, const std::string& bytes) {
        // Trusted like any datagram: only after its HMAC checks (the mesh may be plain).
        if (auto link = self->state.mesh_link)
          on_datagram(self, *link, std::vector<uint8_t>(bytes.begin(), bytes.end()));
      },
      [=](hb_packet_atom, uint64_t link, const std::vector<uint8_t>& bytes) {
        on_datagram(self, static_cast<size_t>(link), bytes);
      },
      [=](hb_step_atom, uint64_t ticket, int32_t status, const std::string& reason) {
        auto& st = self->state;
        auto pending = st.plan->pending();
        if (pending && pending->ticket == ticket && !pending->index) {
          if (status == 0)
            st.fenced = true;
          else
            ++st.fence_failures;
        }
        handle(self,
               st.plan->on_outcome(ticket, step_outcome{static_cast<step_status>(status), reason},
                                   steady::now()));
      },
      [=](hb_retry_atom, uint64_t ticket) {
        if (ticket == 0) return inspect_replicas(self);
        auto& pending = self->state.plan->pending();
        if (pending && pending->ticket == ticket) run_step(self, *pending);
      },
      [=](hb_garp_atom, uint64_t generation) {
        auto& st = self->state;
        if (generation != st.garp_generation) return;
        auto& held = st.plan->held();
        for (size_t i = 0; i < held.size(); ++i)
          if (held[i] && st.cfg.resources[i].step.kind == resource_kind::service_ip)
            announce_address(st, st.cfg.resources[i]);
      },
      [=](degraded_atom, const std::string& reason) {
        auto& st = self->state;
        if (st.degraded) return;
        st.degraded = true;
        st.log->warn("node degraded ({}): handing the pair's resources to {}", reason, st.cfg.peer);
        st.record("node_degraded", reason);
        evaluate(self);
      },
      [=](state_atom, const std::string&) {
        actor_state s;
        s.fields_json = fields_json(self->state);
        return s;
      },
  };
}

}  // namespace

void heartbeat_actor_state::record(std::string what, std::string detail) {
  events.push_back({std::move(what), std::move(detail), wall_ms(steady::now())});
  if (events.size() > 32) events.pop_front();
}

void heartbeat_actor_state::drop_addresses() {
  if (!plan) return;
  auto& held = plan->held();
  for (size_t i = 0; i < held.size() && i < cfg.resources.size(); ++i) {
    auto& r = cfg.resources[i];
    if (!held[i] || r.step.kind != resource_kind::service_ip) continue;
    if (auto iface = net::lookup_interface(r.interface))
      net::remove_ipv4_address(iface->index, r.address, r.prefix);
  }
}

pair_facts facts_of(const heartbeat_actor_state& st) {
  pair_facts f;
  f.peer = st.monitor->peer();
  f.peer_message = st.monitor->last_message();
  f.holds_any = st.plan->holds_any();
  f.holds_all = st.plan->holds_all();
  f.run_in_progress = st.plan->running();
  f.degraded = st.degraded || !st.failed_disk.empty();
  f.stopping = st.stopping;
  f.last_takeover_failed = st.last_takeover_failed;
  f.last_release_failed = st.last_release_failed;
  return f;
}

caf::actor spawn_heartbeat(caf::local_actor* parent, const std::string& path,
                           const heartbeat_config& cfg) {
  // A thread of its own (like VRRP's): heartbeats and the deadtime timer must not wait behind
  // other actors' work on the shared scheduler, or a busy node looks dead to its peer.
  return parent->spawn<caf::detached>(heartbeat_actor, path, cfg);
}

}  // namespace hamesh::heartbeat
