#pragma once
// The heartbeat actor's state, shared by its files (heartbeat_actor.cpp: events and decisions,
// heartbeat_steps.cpp: carrying out the plan's steps, heartbeat_fields.cpp: the state query).
#include <caf/all.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/heartbeat/heartbeat_config.hpp"
#include "actors/heartbeat/heartbeat_intake.hpp"
#include "actors/heartbeat/heartbeat_links.hpp"
#include "actors/heartbeat/heartbeat_monitor.hpp"
#include "actors/heartbeat/heartbeat_sender.hpp"
#include "actors/heartbeat/pair_arbiter.hpp"
#include "actors/heartbeat/takeover_plan.hpp"
#include "runtime/logging.hpp"

#include <nlohmann/json.hpp>

namespace hamesh::heartbeat {

using steady = std::chrono::steady_clock;

struct event_record {
  std::string what;  // "peer_dead", "link_failed back", ...
  std::string detail;
  int64_t at_ms = 0;  // wall clock
};

struct link_counters {
  uint64_t sent = 0;
  uint64_t send_errors = 0;
  std::string last_send_error;
};

struct heartbeat_actor_state {
  std::string path;
  heartbeat_config cfg;
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<heartbeat_codec> codec;
  std::unique_ptr<heartbeat_intake> intake;
  std::unique_ptr<heartbeat_monitor> monitor;
  std::unique_ptr<heartbeat_sender> sender;
  std::unique_ptr<takeover_plan> plan;
  heartbeat_links links;
  std::vector<link_counters> link_stats;
  // The mesh link (mesh = true): the peer's heartbeat actor, found through our mesh actor and
  // the peer node's top; looked up again after it goes down.
  std::optional<size_t> mesh_link;
  caf::actor mesh_peer;
  bool mesh_lookup_pending = false;
  uint64_t generation = 0;
  uint64_t timer_generation = 0;
  steady::time_point started_at;
  int64_t wall_minus_steady_ms = 0;  // to show steady times as wall-clock times

  bool ready = false;     // the start-up inspection of the replicas is done
  int inspections = 0;    // start-up inspections repeated while a replica was starting
  bool degraded = false;  // the node's top said so
  bool stopping = false;  // a graceful stop: release, then quit
  bool quitting = false;  // the last round went out and quit() was called
  caf::error quit_reason;
  bool releasing = false;  // announce releasing (see pair_arbiter::announced_role)
  bool last_takeover_failed = false;
  bool last_release_failed = false;
  bool fenced = false;  // this takeover's fence step succeeded
  // Announced as can_serve: every replica resource's disk is up to date (polled every
  // readiness_interval; true when there is no replica resource).
  bool can_serve = false;
  // A replica resource whose local disk failed (from the same poll): this node hands the
  // pair's resources over and takes none, as when degraded (DRBD's local-io-error handler).
  std::string failed_disk;
  bool readiness_pending = false;
  steady::time_point readiness_due;
  steady::time_point step_deadline;  // the pending step gives up at this time
  heartbeat_role announced = heartbeat_role::none;
  bool announced_held = false;
  uint64_t garp_generation = 0;
  uint64_t takeovers = 0, takeover_failures = 0, releases = 0, fence_runs = 0, fence_failures = 0,
           forced_promotions = 0;
  std::deque<event_record> events;
  std::optional<duration> last_death_silence;  // how long the peer was silent when declared dead

  // Degraded, stopping or with a failed disk: hand over what this node holds, take nothing.
  bool unfit() const { return degraded || stopping || !failed_disk.empty(); }

  int64_t wall_ms(steady::time_point t) const {
    return wall_minus_steady_ms +
           std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  }
  void record(std::string what, std::string detail);
  // Removes every service IP the plan holds (the actor's end: stop, crash or kill).
  void drop_addresses();
  ~heartbeat_actor_state() { drop_addresses(); }
};

using self_ptr = caf::stateful_actor<heartbeat_actor_state>*;

pair_facts facts_of(const heartbeat_actor_state& st);

// heartbeat_steps.cpp: runs one step of the plan; its outcome comes back as
// (hb_step_atom, ticket, status, reason).
void run_step(self_ptr self, const step_request& r);
void announce_address(heartbeat_actor_state& st, const heartbeat_resource_config& res);
// (hb_step_atom, ...) to self.
void report_step(self_ptr self, uint64_t ticket, step_status status, std::string reason);

// The state fields of this node's replica `volume` (found through the node: a restarted
// replica has a new handle), or a null json and why not.
using replica_fields_handler = std::function<void(const nlohmann::json& fields, std::string why)>;
void query_replica(self_ptr self, const std::string& volume, caf::timespan timeout,
                   replica_fields_handler done);

// heartbeat_fields.cpp: the state query's fields, metrics included.
std::string fields_json(const heartbeat_actor_state& st);

}  // namespace hamesh::heartbeat
