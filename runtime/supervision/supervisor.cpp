#include "runtime/supervision/supervisor.hpp"

#include <caf/all.hpp>

#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "runtime/caf_types.hpp"
#include "runtime/logging.hpp"

namespace hamesh::supervision {
namespace {

using steady = std::chrono::steady_clock;

// How long a supervisor waits for one child's state before reporting it unresponsive.
constexpr auto state_query_timeout = std::chrono::seconds(2);

std::string join(const std::string& base, const std::string& name) {
  return base.empty() ? name : base + "/" + name;
}

int64_t millis_since(steady::time_point then, steady::time_point now) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - then).count();
}

struct supervisor_state {
  std::string path;  // "" for the node's top
  caf::actor_addr parent;
  bool is_root = false;
  std::string node_name;
  std::shared_ptr<const supervisor_spec> spec;
  std::unique_ptr<supervisor_core> core;
  std::map<std::string, caf::actor> running;  // children alive now, by name
  std::deque<step> steps;                     // decisions not carried out yet
  std::optional<std::string> stopping;        // the child a stop step waits for
  uint64_t stop_generation = 0;
  steady::time_point stop_began;
  std::optional<caf::error> quit_when_done;  // shutting down or escalating
  std::shared_ptr<const supervisor_spec> pending_reload;
  steady::time_point started_at;
  bool degraded = false;
  std::string degraded_reason;
  std::vector<caf::actor> degraded_subscribers;
  std::shared_ptr<spdlog::logger> log;

  std::string child_path(const std::string& name) const { return join(path, name); }
};

using self_ptr = caf::stateful_actor<supervisor_state>*;

void run_steps(self_ptr self);
void apply_reload(self_ptr self, std::shared_ptr<const supervisor_spec> next);

void start_child(self_ptr self, const std::string& name) {
  auto& st = self->state;
  const child_spec* cs = st.spec->find(name);
  if (!cs) return;
  auto path = st.child_path(name);
  caf::actor child =
      cs->subtree ? spawn_supervisor(self, cs->subtree, path) : cs->start(self, path);
  // Monitor first: the down_msg is what decides; the link only makes children die with us.
  self->monitor(child);
  self->link_to(child);
  st.running[name] = child;
  st.core->started(name, steady::now());
  st.log->debug("started {} ({})", path, cs->info.kind);
}

// Carries out queued steps until a stop has to wait for its child.
void run_steps(self_ptr self) {
  auto& st = self->state;
  while (!st.stopping && !st.steps.empty()) {
    step s = st.steps.front();
    st.steps.pop_front();
    if (s.what == step::action::start) {
      start_child(self, s.child);
      continue;
    }
    auto it = st.running.find(s.child);
    if (it == st.running.end()) continue;  // gone already
    st.stopping = s.child;
    st.stop_began = steady::now();
    st.log->info("stopping {}", st.child_path(s.child));
    self->send_exit(it->second, caf::exit_reason::user_shutdown);
    ++st.stop_generation;
    // A subtree gets no timeout of its own (as in OTP): it is waiting on its own children's
    // timeouts, and the node's stop_deadline bounds the whole tree.
    const child_record* rec = st.core->find(s.child);
    if (!rec || !rec->info.is_supervisor())
      self->delayed_send(self, st.spec->shutdown_timeout, stop_timeout_atom_v, st.stop_generation);
  }
  if (st.stopping || !st.steps.empty()) return;
  if (st.quit_when_done) {
    auto reason = *st.quit_when_done;
    st.log->debug("all children stopped; exiting ({})", describe(reason));
    self->quit(reason);
    return;
  }
  if (st.pending_reload) {
    auto next = std::move(st.pending_reload);
    st.pending_reload.reset();
    apply_reload(self, std::move(next));
  }
}

// Replaces the queue with stops of every live child, last started first.
void stop_everything(self_ptr self) {
  auto& st = self->state;
  st.steps.clear();
  st.core->stop_all();  // marks them stopped; the shell's own view decides what is alive
  auto& children = st.core->children();
  for (auto it = children.rbegin(); it != children.rend(); ++it) {
    const auto& name = it->info.name;
    if (st.running.count(name) && st.stopping != name)
      st.steps.push_back({step::action::stop, name});
  }
}

void begin_shutdown(self_ptr self, caf::error reason) {
  auto& st = self->state;
  if (st.quit_when_done) return;
  st.log->debug("stopping {} children ({})", st.running.size(), describe(reason));
  st.quit_when_done = std::move(reason);
  st.pending_reload.reset();
  stop_everything(self);
  run_steps(self);
}

// No more graceful steps: every leaf is killed now, every subtree is told to do the same.
// Explicit messages rather than link propagation, which CAF does not do for a killed actor.
void halt(self_ptr self) {
  auto& st = self->state;
  st.log->warn("halting: killing {} children now", st.running.size());
  for (auto& [name, child] : st.running) {
    const child_record* rec = st.core->find(name);
    if (rec && rec->info.is_supervisor())
      self->send(child, halt_atom_v);
    else
      self->send_exit(child, caf::exit_reason::kill);
  }
  self->quit(caf::exit_reason::kill);
}

void enter_degraded(self_ptr self, const std::string& reason) {
  auto& st = self->state;
  if (st.degraded) return;
  st.degraded = true;
  st.degraded_reason = reason;
  st.log->error("node degraded: {}", reason);
  for (auto& s : st.degraded_subscribers) self->send(s, degraded_atom_v, reason);
}

void handle_exit(self_ptr self, const std::string& name, bool failure, const std::string& reason) {
  auto& st = self->state;
  auto path = st.child_path(name);
  const child_record* rec = st.core->find(name);
  bool is_supervisor = rec && rec->info.is_supervisor();
  auto d = st.core->exited(name, failure, reason, steady::now());
  using outcome = exit_decision::outcome;
  std::string how = failure ? "failed: " + reason : "exited normally";
  switch (d.result) {
    case outcome::ignored:
      st.log->info("{} {}; not restarted", path, how);
      break;
    case outcome::restarted:
      st.log->warn("{} {}; restarting ({}, restarts {})", path, how, to_string(st.core->strat()),
                   st.core->find(name)->restarts);
      for (auto& s : d.steps) st.steps.push_back(s);
      break;
    case outcome::escalated:
      st.log->error("{} {}; restart intensity exceeded: {}; stopping this subtree and escalating",
                    path, how, d.reason);
      stop_everything(self);
      st.quit_when_done = caf::make_error(caf::sec::runtime_error, "escalated: " + d.reason);
      break;
    case outcome::given_up:
      st.log->error("{} {}; restart intensity exceeded: {}; it stays down", path, how, d.reason);
      break;
  }
  // An escalation reaching the top (a failed function subtree), or the top giving up on a
  // child, means this node can no longer do all it was configured for.
  if (st.is_root && failure && (is_supervisor || d.result == outcome::given_up))
    enter_degraded(self, path + ": " + (d.result == outcome::given_up ? d.reason : reason));
  run_steps(self);
}

// The child at or under `path`: its name and the rest of the path ("" when it is the child).
std::optional<std::pair<std::string, std::string>> route(const supervisor_core& core,
                                                         const std::string& path) {
  for (auto& c : core.children()) {
    const auto& n = c.info.name;
    if (path == n) return std::make_pair(n, std::string());
    if (path.size() > n.size() && path.compare(0, n.size(), n) == 0 && path[n.size()] == '/')
      return std::make_pair(n, path.substr(n.size() + 1));
  }
  return std::nullopt;
}

caf::error no_such_actor(const supervisor_state& st, const std::string& path) {
  return caf::make_error(caf::sec::invalid_argument,
                         "no actor at path \"" + st.child_path(path) + "\"");
}

// Relays a path request to the child subtree that holds the rest of the path, and its
// answer (or error) back to whoever asked.
template <class Result, class Atom>
caf::typed_response_promise<Result> relay_down(self_ptr self, const caf::actor& child, Atom atom,
                                               const std::string& rest) {
  auto rp = self->make_response_promise<Result>();
  self->request(child, state_query_timeout, atom, rest)
      .then([rp](Result& r) mutable { rp.deliver(std::move(r)); },
            [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

caf::error not_running(const supervisor_state& st, const std::string& name) {
  return caf::make_error(caf::sec::invalid_argument,
                         "\"" + st.child_path(name) + "\" is not running");
}

// What the supervisor itself knows of a child: everything but the child's own fields.
actor_state record_entry(const supervisor_state& st, const child_record& rec) {
  auto now = steady::now();
  actor_state s;
  s.path = st.child_path(rec.info.name);
  s.name = rec.info.name;
  s.kind = rec.info.kind;
  s.status = std::string(to_string(rec.status));
  if (rec.status == child_status::running && !st.running.count(rec.info.name))
    s.status = "starting";
  s.restarts = rec.restarts;
  if (rec.started_at && rec.status == child_status::running)
    s.uptime_ms = millis_since(*rec.started_at, now);
  s.last_failure = rec.last_failure;
  if (rec.last_failure_at) s.last_failure_age_ms = millis_since(*rec.last_failure_at, now);
  return s;
}

// A child's full entry: the record, completed by the child's answer when it is alive.
void child_entry(self_ptr self, const child_record& rec, std::function<void(actor_state)> done) {
  auto entry = record_entry(self->state, rec);
  auto it = self->state.running.find(rec.info.name);
  if (it == self->state.running.end()) return done(std::move(entry));
  self->request(it->second, state_query_timeout, state_atom_v, std::string())
      .then(
          [entry, done](actor_state& answer) mutable {
            entry.fields_json = std::move(answer.fields_json);
            entry.children = std::move(answer.children);
            done(std::move(entry));
          },
          [entry, done](caf::error& err) mutable {
            entry.status = "unresponsive";
            entry.fields_json = nlohmann::json{{"state_query_error", describe(err)}}.dump();
            done(std::move(entry));
          });
}

caf::typed_response_promise<actor_state> own_state(self_ptr self) {
  auto rp = self->make_response_promise<actor_state>();
  auto& st = self->state;
  auto now = steady::now();
  actor_state me;
  me.path = st.is_root ? "/" : st.path;
  me.name = st.is_root ? st.node_name : st.path;
  me.kind = st.is_root ? "node" : "supervisor";
  me.status = st.degraded ? "degraded" : "running";
  me.uptime_ms = millis_since(st.started_at, now);
  nlohmann::json fields{{"strategy", to_string(st.core->strat())},
                        {"max_restarts", st.core->intensity().max_restarts},
                        {"period", format_duration(st.core->intensity().period)},
                        {"restarts_in_window", st.core->restarts_in_window(now)}};
  if (st.is_root) {
    fields["node"] = st.node_name;
    fields["degraded"] = st.degraded;
    fields["degraded_reason"] = st.degraded ? nlohmann::json(st.degraded_reason) : nlohmann::json();
  }
  me.fields_json = fields.dump();
  auto& records = st.core->children();
  me.children.resize(records.size());
  if (records.empty()) {
    rp.deliver(std::move(me));
    return rp;
  }
  auto pending = std::make_shared<size_t>(records.size());
  auto result = std::make_shared<actor_state>(std::move(me));
  for (size_t i = 0; i < records.size(); ++i) {
    child_entry(self, records[i], [rp, pending, result, i](actor_state entry) mutable {
      result->children[i] = std::move(entry);
      if (--*pending == 0) rp.deliver(std::move(*result));
    });
  }
  return rp;
}

void apply_reload(self_ptr self, std::shared_ptr<const supervisor_spec> next) {
  auto& st = self->state;
  st.core->set_policy(next->strat, next->intensity);
  st.spec = next;
  auto plan = st.core->reload(next->child_infos());
  for (auto& name : plan.reloaded) {
    auto it = st.running.find(name);
    const child_spec* cs = next->find(name);
    if (it != st.running.end() && cs && cs->subtree)
      self->send(it->second, reload_atom_v, cs->subtree);
  }
  std::string summary;
  for (auto& name : plan.updated) {
    auto it = st.running.find(name);
    const child_spec* cs = next->find(name);
    if (it == st.running.end() || !cs || !cs->update) continue;
    cs->update(self, it->second);
    summary += (summary.empty() ? "" : ", ") + std::string("update ") + st.child_path(name);
  }
  for (auto& s : plan.steps) {
    summary += (summary.empty() ? "" : ", ") +
               std::string(s.what == step::action::stop ? "stop " : "start ") +
               st.child_path(s.child);
    st.steps.push_back(s);
  }
  if (!summary.empty()) st.log->info("reload: {}", summary);
  run_steps(self);
}

caf::behavior supervisor_actor(self_ptr self, std::shared_ptr<const supervisor_spec> spec,
                               std::string path, caf::actor_addr parent, bool is_root,
                               std::string node_name) {
  auto& st = self->state;
  st.path = std::move(path);
  st.parent = std::move(parent);
  st.is_root = is_root;
  st.node_name = std::move(node_name);
  st.spec = spec;
  st.core =
      std::make_unique<supervisor_core>(spec->strat, spec->intensity, spec->child_infos(), is_root);
  st.started_at = steady::now();
  st.log = logging::get(st.path.empty() ? "node" : st.path);

  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    std::string name;
    for (auto& [n, h] : st.running)
      if (h.address() == dm.source) name = n;
    if (name.empty()) return;  // an earlier incarnation, already dealt with
    st.running.erase(name);
    if (st.stopping == name) {
      st.log->info("stopped {} ({} ms)", st.child_path(name),
                   millis_since(st.stop_began, steady::now()));
      st.stopping.reset();
      run_steps(self);
      return;
    }
    bool failure = dm.reason && dm.reason != caf::exit_reason::normal;
    handle_exit(self, name, failure, describe(dm.reason));
  });
  // Exits from children are links firing; their down_msg decides. Only the parent, or an
  // anonymous sender (the node's main on SIGTERM; CAF then names us as the source), can
  // tell a supervisor to go.
  self->set_exit_handler([=](caf::exit_msg& em) {
    if (em.source && em.source != self->state.parent && em.source != self->address()) return;
    if (!em.reason || em.reason == caf::exit_reason::normal) return;
    if (em.reason == caf::exit_reason::kill) return halt(self);
    begin_shutdown(self, em.reason);
  });
  // Registered before any child starts: children look the top up by name to subscribe to
  // its events, and a child started first would miss it (seen: a lost degraded event).
  if (st.is_root)
    self->system().registry().put(node_registry_name, caf::actor_cast<caf::actor>(self));

  for (auto& s : st.core->start_all()) st.steps.push_back(s);
  run_steps(self);

  return {
      [=](state_atom, const std::string& path) -> caf::result<actor_state> {
        auto& st = self->state;
        if (path.empty()) return own_state(self);
        auto target = route(*st.core, path);
        if (!target) return no_such_actor(st, path);
        const auto& [name, rest] = *target;
        const child_record& rec = *st.core->find(name);
        if (rest.empty()) {
          auto rp = self->make_response_promise<actor_state>();
          child_entry(self, rec, [rp](actor_state s) mutable { rp.deliver(std::move(s)); });
          return rp;
        }
        auto it = st.running.find(name);
        if (!rec.info.is_supervisor() || it == st.running.end()) return no_such_actor(st, path);
        return relay_down<actor_state>(self, it->second, state_atom_v, rest);
      },
      [=](kill_path_atom, const std::string& path) -> caf::result<caf::ok_atom> {
        auto& st = self->state;
        if (path.empty())
          return caf::make_error(caf::sec::invalid_argument,
                                 "a supervisor is not killed through itself; stop the node "
                                 "with SIGTERM or kill the subtree through its parent");
        auto target = route(*st.core, path);
        if (!target) return no_such_actor(st, path);
        const auto& [name, rest] = *target;
        auto it = st.running.find(name);
        if (it == st.running.end()) return not_running(st, name);
        if (rest.empty()) {
          st.log->warn("{}: killed by operator", st.child_path(name));
          self->send_exit(it->second,
                          caf::make_error(caf::sec::runtime_error, "killed by operator"));
          return caf::ok_atom_v;
        }
        if (!st.core->find(name)->info.is_supervisor()) return no_such_actor(st, path);
        return relay_down<caf::ok_atom>(self, it->second, kill_path_atom_v, rest);
      },
      [=](restart_path_atom, const std::string& path) -> caf::result<caf::ok_atom> {
        auto& st = self->state;
        if (st.quit_when_done)
          return caf::make_error(caf::sec::invalid_argument, "this subtree is stopping");
        auto target = route(*st.core, path);
        if (!target) return no_such_actor(st, path);
        const auto& [name, rest] = *target;
        if (rest.empty()) {
          st.log->warn("{}: restart requested by operator", st.child_path(name));
          for (auto& s : st.core->restart(name)) st.steps.push_back(s);
          run_steps(self);
          return caf::ok_atom_v;
        }
        auto it = st.running.find(name);
        if (!st.core->find(name)->info.is_supervisor() || it == st.running.end())
          return no_such_actor(st, path);
        return relay_down<caf::ok_atom>(self, it->second, restart_path_atom_v, rest);
      },
      [=](reload_atom, std::shared_ptr<const supervisor_spec> next) {
        auto& st = self->state;
        if (st.quit_when_done) return;
        if (st.stopping || !st.steps.empty()) {
          st.pending_reload = std::move(next);  // after the steps under way
          return;
        }
        apply_reload(self, std::move(next));
      },
      [=](halt_atom) { halt(self); },
      [=](lookup_atom, const std::string& path) -> caf::result<caf::actor> {
        auto& st = self->state;
        auto target = route(*st.core, path);
        if (!target) return no_such_actor(st, path);
        const auto& [name, rest] = *target;
        auto it = st.running.find(name);
        if (it == st.running.end()) return not_running(st, name);
        if (rest.empty()) return it->second;
        if (!st.core->find(name)->info.is_supervisor()) return no_such_actor(st, path);
        return relay_down<caf::actor>(self, it->second, lookup_atom_v, rest);
      },
      [=](mesh_hello_atom, const std::string& address, const caf::actor& node) {
        // The node's top is what peers connect to; membership is the mesh child's business.
        if (auto it = self->state.running.find("mesh"); it != self->state.running.end())
          self->send(it->second, mesh_hello_atom_v, address, node);
      },
      [=](mesh_ping_atom, uint64_t sent) {
        return caf::make_message(mesh_pong_atom_v, self->state.node_name, sent);
      },
      [=](subscribe_atom, degraded_atom) {
        auto& st = self->state;
        auto who = caf::actor_cast<caf::actor>(self->current_sender());
        if (!who) return;
        st.degraded_subscribers.push_back(who);
        if (st.degraded) self->send(who, degraded_atom_v, st.degraded_reason);
      },
      [=](stop_timeout_atom, uint64_t generation) {
        auto& st = self->state;
        if (!st.stopping || generation != st.stop_generation) return;
        auto it = st.running.find(*st.stopping);
        if (it == st.running.end()) return;
        st.log->warn("{} did not stop within {}; killing it", st.child_path(*st.stopping),
                     format_duration(st.spec->shutdown_timeout));
        self->send_exit(it->second, caf::exit_reason::kill);
      },
  };
}

}  // namespace

caf::actor spawn_supervisor(caf::local_actor* parent, std::shared_ptr<const supervisor_spec> spec,
                            const std::string& path) {
  return parent->spawn(supervisor_actor, std::move(spec), path, parent->address(), false,
                       std::string());
}

caf::actor spawn_node_root(caf::actor_system& sys, std::shared_ptr<const supervisor_spec> spec,
                           const std::string& node_name) {
  return sys.spawn(supervisor_actor, std::move(spec), std::string(), caf::actor_addr(), true,
                   node_name);
}

}  // namespace hamesh::supervision
