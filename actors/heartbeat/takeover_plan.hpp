#pragma once
// The ordered resource list of a pair, driven step by step (pure), like heartbeat's
// haresources: start in order to take over, stop in reverse to give back. The plan asks for
// one step at a time (a step_request); the actor runs it (fence command, replica promotion,
// service IP, resource agent, each with its timeout) and answers with on_outcome. Every
// step goes into the run's timeline for `hameshctl heartbeat` ("last takeover").
//
// Takeover: the fence action first when asked (a dead peer; not a peer that released), then
// each resource's start. Fencing that fails with fence_policy::required ends the run with
// nothing promoted, so two primaries never serve. A start that fails (or times out) stops
// that resource and every one before it, in reverse: a failed start may have done part of
// its work, and a stop is idempotent by the resource-agent contract (OCF, Pacemaker's
// "stop after a failed start"), so rolling back the failed step too is safe.
// Release: every held resource's stop, in reverse. A stop that fails does not stop the
// others (one stuck agent must not keep the service IP up); the run ends "incomplete", the
// resources whose stop failed stay held, and the peer must fence this node to take them.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/heartbeat/heartbeat_errc.hpp"
#include "runtime/duration.hpp"

namespace hamesh::heartbeat {

using time_point = std::chrono::steady_clock::time_point;

enum class resource_kind { fence, promote_replica, service_ip, agent };
const char* to_string(resource_kind k);

enum class step_action { start, stop, status };  // the fence action is its "start"
const char* to_string(step_action a);

// required: no promotion unless fencing succeeded. best_effort: a failed fence is recorded
// and the takeover goes on (for pairs whose replica refuses a second primary by itself).
enum class fence_policy { required, best_effort };
const char* to_string(fence_policy p);

struct resource_step {
  resource_kind kind = resource_kind::agent;
  std::string name;  // unique in the plan: "replica/vol0", "ip/192.0.2.10", "agent/dovecot"
  duration timeout = std::chrono::seconds(20);  // the actor kills the step after this
};

struct takeover_settings {
  std::optional<resource_step> fence;  // kind fence; none means no fencing
  fence_policy fencing = fence_policy::required;
  std::vector<resource_step> resources;  // in start order; no fence among them
};

// Every problem as text, empty when the settings work: unique non-empty names, the fence
// step's kind is fence and no resource's is, required fencing needs a fence action.
std::vector<std::string> validate(const takeover_settings& s);

struct step_request {
  uint64_t ticket = 0;          // give it back with the outcome; a stale ticket is ignored
  std::optional<size_t> index;  // into resources; none for the fence action
  resource_step step;
  step_action action = step_action::start;
};

enum class step_status { ok, failed, timed_out };
const char* to_string(step_status s);

struct step_outcome {
  step_status status = step_status::ok;
  std::string reason;  // for failed and timed_out: exit status, stderr's last line, ...
};

struct timeline_entry {
  std::string name;
  resource_kind kind = resource_kind::agent;
  step_action action = step_action::start;
  time_point started{};
  time_point ended{};
  step_status status = step_status::ok;
  std::string reason;
  bool rollback = false;  // a stop run to undo a failed takeover
};

enum class run_kind { takeover, release, check };
const char* to_string(run_kind k);

enum class run_result {
  running,
  serving,                 // takeover done: every resource started
  refused_fencing_failed,  // takeover refused: fencing failed and the policy requires it
  failed_rolled_back,      // a start failed; everything started was stopped again
  rollback_incomplete,     // a start failed and a stop of the rollback failed too
  released,                // release done: nothing held
  release_incomplete,      // a stop failed: that resource may still be held
  healthy,                 // check: every held resource's status is ok
  unhealthy,               // check: a status failed
};
const char* to_string(run_result r);

struct plan_run {
  run_kind kind = run_kind::takeover;
  std::string reason;  // why it ran: "peer dead after 312ms", "node degraded", ...
  time_point started{};
  std::optional<time_point> ended;
  run_result result = run_result::running;
  // "takeover failed at ip/192.0.2.10: timed out after 5s, rolled back", ...
  std::string summary;
  std::vector<timeline_entry> timeline;
};

// What a call did: the next step to run, or the end of the run, or a refusal.
struct plan_progress {
  std::optional<step_request> next;
  std::optional<run_result> finished;           // the run ended with this call
  heartbeat_errc error = heartbeat_errc::none;  // plan_busy, stale_outcome: nothing changed
};

class takeover_plan {
 public:
  // `settings` should pass validate().
  explicit takeover_plan(takeover_settings settings);

  // Start every resource not yet held, the fence action first when `fence_first` (and one
  // is configured). Holding everything already, it ends at once as serving.
  plan_progress start_takeover(time_point now, std::string reason, bool fence_first);
  // Stop every held resource in reverse order.
  plan_progress start_release(time_point now, std::string reason);
  // The status of every held resource in order (a periodic check; nothing is changed).
  plan_progress start_check(time_point now, std::string reason);
  // The outcome of the pending step.
  plan_progress on_outcome(uint64_t ticket, const step_outcome& outcome, time_point now);

  bool running() const { return current_.has_value(); }
  const std::optional<step_request>& pending() const { return pending_; }
  bool holds_any() const;
  bool holds_all() const;
  const std::vector<bool>& held() const { return held_; }
  const takeover_settings& settings() const { return settings_; }

  const std::optional<plan_run>& current() const { return current_; }
  const std::optional<plan_run>& last_takeover() const { return last_takeover_; }
  const std::optional<plan_run>& last_release() const { return last_release_; }
  const std::optional<plan_run>& last_check() const { return last_check_; }

 private:
  struct queued_step {
    std::optional<size_t> index;
    step_action action;
    bool rollback;
  };

  plan_progress begin(run_kind kind, time_point now, std::string reason,
                      std::vector<queued_step> queue);
  plan_progress next_or_finish(time_point now);
  plan_progress finish(run_result result, std::string summary, time_point now);
  const resource_step& step_of(const std::optional<size_t>& index) const;

  takeover_settings settings_;
  std::vector<bool> held_;
  std::optional<plan_run> current_;
  std::vector<queued_step> queue_;  // steps still to run, front first
  std::optional<step_request> pending_;
  std::optional<queued_step> pending_step_;
  time_point pending_since_{};
  uint64_t next_ticket_ = 1;
  // What went wrong so far in this run, for the summary.
  std::optional<std::string> failed_at_;
  std::vector<std::string> stop_failures_;
  bool fence_failed_ = false;
  std::optional<plan_run> last_takeover_, last_release_, last_check_;
};

}  // namespace hamesh::heartbeat
