// The heartbeat actor carrying out its plan's steps: the fence command, the replica's promote
// and demote, the service IP, resource agents. Every step ends in exactly one
// (hb_step_atom, ticket, status, reason) to the actor, within the step's timeout.
#include <nlohmann/json.hpp>

#include "actors/heartbeat/heartbeat_actor_impl.hpp"
#include "runtime/caf_types.hpp"
#include "runtime/ipv4_text.hpp"
#include "runtime/net/address_control.hpp"
#include "runtime/net/command_runner.hpp"
#include "runtime/net/interface_info.hpp"

namespace hamesh::heartbeat {
namespace {

using namespace std::chrono_literals;

// A replica that refuses a plain promote is asked again this often until the step's timeout:
// on a graceful hand-over the peer's demotion may reach our replica (over the replication
// stream) a moment after its heartbeat said "released".
constexpr auto promote_retry = 20ms;

caf::timespan remaining(const heartbeat_actor_state& st) {
  auto left = st.step_deadline - steady::now();
  return left > steady::duration::zero() ? caf::timespan(left) : caf::timespan(1ms);
}

bool past_deadline(const heartbeat_actor_state& st) {
  return steady::now() + promote_retry >= st.step_deadline;
}

void run_command_step(self_ptr self, uint64_t ticket, const std::vector<std::string>& argv,
                      duration timeout) {
  if (argv.empty()) return report_step(self, ticket, step_status::ok, "nothing to run");
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(self);
  std::string what = argv[0];
  net::run_command(argv, timeout, [weak, ticket, what, timeout](net::command_outcome out) {
    step_status status = step_status::ok;
    std::string reason = what + ": exit 0";
    if (!out.started) {
      status = step_status::failed;
      reason = out.error;
    } else if (out.timed_out) {
      status = step_status::timed_out;
      reason = what + ": killed after " + format_duration(timeout);
    } else if (out.exit_code != 0) {
      status = step_status::failed;
      reason = what + (out.exit_code < 0 ? ": killed by a signal"
                                         : ": exit " + std::to_string(out.exit_code));
    }
    if (auto me = caf::actor_cast<caf::actor>(weak))
      caf::anon_send(me, hb_step_atom_v, ticket, static_cast<int32_t>(status), reason);
  });
}

// Finds the replica actor through the node (a restarted replica has a new handle).
template <class Found, class Missing>
void with_replica(self_ptr self, const std::string& volume, caf::timespan timeout, Found found,
                  Missing missing) {
  auto node = self->system().registry().get(node_registry_name);
  if (!node) return missing(std::string("no node to look the replica up"));
  auto& path = self->state.path;
  auto replica_path = path.substr(0, path.rfind("heartbeat/")) + "replica/" + volume;
  self->request(caf::actor_cast<caf::actor>(node), timeout, lookup_atom_v, replica_path)
      .then([=](caf::actor& replica) { found(replica); },
            [=](caf::error& err) { missing(describe(err)); });
}

// The state fields of `replica` (a JSON object), or a null json and why not.
void ask_fields(self_ptr self, const caf::actor& replica, caf::timespan timeout,
                replica_fields_handler done) {
  self->request(replica, timeout, state_atom_v, std::string())
      .then(
          [=](const actor_state& s) {
            auto f = nlohmann::json::parse(s.fields_json, nullptr, false);
            if (!f.is_object()) return done(nullptr, "unreadable replica state");
            done(f, "");
          },
          [=](caf::error& err) { done(nullptr, describe(err)); });
}

void retry_or_fail(self_ptr self, uint64_t ticket, const std::string& why) {
  if (past_deadline(self->state)) return report_step(self, ticket, step_status::timed_out, why);
  self->delayed_send(self, promote_retry, hb_retry_atom_v, ticket);
}

void promote(self_ptr self, const step_request& r, const std::string& volume, bool force) {
  uint64_t ticket = r.ticket;
  with_replica(
      self, volume, remaining(self->state),
      [=](caf::actor replica) {
        self->request(replica, remaining(self->state), replica_command_atom_v,
                      std::string(force ? "promote --force" : "promote"))
            .then(
                [=](std::string& text) {
                  if (force) ++self->state.forced_promotions;
                  report_step(self, ticket, step_status::ok,
                              (force ? "promoted by force after fencing: " : "promoted: ") + text);
                },
                [=](caf::error& err) {
                  auto why = "replica " + volume + " refused promote: " + describe(err);
                  if (force || !self->state.fenced) return retry_or_fail(self, ticket, why);
                  // Fenced: the peer is surely down, so its "primary" role is stale (the stream
                  // has not timed out yet). Force only over an up-to-date disk: forcing an
                  // inconsistent copy would serve wrong data.
                  ask_fields(self, replica, remaining(self->state),
                             [=](const nlohmann::json& f, std::string error) {
                               if (f.is_null())
                                 return retry_or_fail(self, ticket, why + "; " + error);
                               auto disk = f.value("disk", "");
                               if (disk != "up_to_date")
                                 return report_step(self, ticket, step_status::failed,
                                                    why + "; disk " + disk + ": not forcing");
                               self->state.log->warn(
                                   "{}; the peer is fenced and our disk is up to date: forcing",
                                   why);
                               promote(self, r, volume, true);
                             });
                });
      },
      [=](std::string why) { retry_or_fail(self, ticket, "replica " + volume + ": " + why); });
}

void replica_step(self_ptr self, const step_request& r, const heartbeat_resource_config& res) {
  uint64_t ticket = r.ticket;
  auto volume = res.volume;
  switch (r.action) {
    case step_action::start:
      return promote(self, r, volume, false);
    case step_action::stop:
      return with_replica(
          self, volume, remaining(self->state),
          [=](caf::actor replica) {
            self->request(replica, remaining(self->state), replica_command_atom_v,
                          std::string("demote"))
                .then([=](std::string& text) { report_step(self, ticket, step_status::ok, text); },
                      [=](caf::error& err) {
                        report_step(self, ticket, step_status::failed,
                                    "replica " + volume + " refused demote: " + describe(err));
                      });
          },
          // A replica that is gone (restarting) is not primary: its stop demotes it.
          [=](std::string why) {
            report_step(self, ticket, step_status::ok, "replica " + volume + " gone: " + why);
          });
    case step_action::status:
      return query_replica(
          self, volume, remaining(self->state), [=](const nlohmann::json& f, std::string why) {
            if (f.is_null()) return report_step(self, ticket, step_status::failed, why);
            bool primary = f.value("role", "") == "primary";
            report_step(self, ticket, primary ? step_status::ok : step_status::failed,
                        primary ? "primary" : "not primary");
          });
  }
}

void address_step(self_ptr self, const step_request& r, const heartbeat_resource_config& res) {
  auto& st = self->state;
  std::string why;
  auto iface = net::lookup_interface(res.interface, &why);
  if (!iface) return report_step(self, r.ticket, step_status::failed, why);
  auto text = format_ipv4(res.address) + "/" + std::to_string(res.prefix) + " on " + res.interface;
  switch (r.action) {
    case step_action::start: {
      auto a = net::add_ipv4_address(iface->index, res.address, res.prefix);
      if (!a.ok) return report_step(self, r.ticket, step_status::failed, a.error);
      announce_address(st, res);
      // Again later: Linux ignores an ARP update within locktime (1 s) of the last one.
      ++st.garp_generation;
      for (auto delay : {1s, 5s})
        self->delayed_send(self, delay, hb_garp_atom_v, st.garp_generation);
      return report_step(self, r.ticket, step_status::ok, "added " + text);
    }
    case step_action::stop: {
      auto a = net::remove_ipv4_address(iface->index, res.address, res.prefix);
      return report_step(self, r.ticket, a.ok ? step_status::ok : step_status::failed,
                         a.ok ? "removed " + text : a.error);
    }
    case step_action::status: {
      bool there = net::has_ipv4_address(res.interface, res.address);
      return report_step(self, r.ticket, there ? step_status::ok : step_status::failed,
                         there ? text : text + ": missing");
    }
  }
}

}  // namespace

void query_replica(self_ptr self, const std::string& volume, caf::timespan timeout,
                   replica_fields_handler done) {
  with_replica(
      self, volume, timeout,
      [=](const caf::actor& replica) { ask_fields(self, replica, timeout, done); },
      [=](std::string why) { done(nullptr, why); });
}

void report_step(self_ptr self, uint64_t ticket, step_status status, std::string reason) {
  self->send(self, hb_step_atom_v, ticket, static_cast<int32_t>(status), std::move(reason));
}

void announce_address(heartbeat_actor_state& st, const heartbeat_resource_config& res) {
  auto iface = net::lookup_interface(res.interface);
  if (!iface) return;
  for (int round = 0; round < 2; ++round) {
    auto r = net::send_gratuitous_arp(iface->index, iface->mac, res.address);
    if (!r.ok) st.log->warn("{}", r.error);
  }
}

void run_step(self_ptr self, const step_request& r) {
  auto& st = self->state;
  if (!r.index) {  // the fence action
    ++st.fence_runs;
    st.log->warn("fencing {}: {}", st.cfg.peer, r.step.name);
    return run_command_step(self, r.ticket, st.cfg.fence->command, r.step.timeout);
  }
  const auto& res = st.cfg.resources[*r.index];
  st.log->info("{} {}", to_string(r.action), res.step.name);
  switch (res.step.kind) {
    case resource_kind::promote_replica:
      return replica_step(self, r, res);
    case resource_kind::service_ip:
      return address_step(self, r, res);
    case resource_kind::agent: {
      auto& argv = r.action == step_action::start  ? res.start
                   : r.action == step_action::stop ? res.stop
                                                   : res.status;
      return run_command_step(self, r.ticket, argv, res.step.timeout);
    }
    case resource_kind::fence:
      return report_step(self, r.ticket, step_status::failed, "a fence step in the resources");
  }
}

}  // namespace hamesh::heartbeat
