#include "actors/heartbeat/takeover_plan.hpp"

#include <set>

namespace hamesh::heartbeat {

const char* to_string(resource_kind k) {
  switch (k) {
    case resource_kind::fence:
      return "fence";
    case resource_kind::promote_replica:
      return "promote_replica";
    case resource_kind::service_ip:
      return "service_ip";
    case resource_kind::agent:
      return "agent";
  }
  return "invalid";
}

const char* to_string(step_action a) {
  switch (a) {
    case step_action::start:
      return "start";
    case step_action::stop:
      return "stop";
    case step_action::status:
      return "status";
  }
  return "invalid";
}

const char* to_string(fence_policy p) {
  return p == fence_policy::required ? "required" : "best_effort";
}

const char* to_string(step_status s) {
  switch (s) {
    case step_status::ok:
      return "ok";
    case step_status::failed:
      return "failed";
    case step_status::timed_out:
      return "timed_out";
  }
  return "invalid";
}

const char* to_string(run_kind k) {
  switch (k) {
    case run_kind::takeover:
      return "takeover";
    case run_kind::release:
      return "release";
    case run_kind::check:
      return "check";
  }
  return "invalid";
}

const char* to_string(run_result r) {
  switch (r) {
    case run_result::running:
      return "running";
    case run_result::serving:
      return "serving";
    case run_result::refused_fencing_failed:
      return "refused_fencing_failed";
    case run_result::failed_rolled_back:
      return "failed_rolled_back";
    case run_result::rollback_incomplete:
      return "rollback_incomplete";
    case run_result::released:
      return "released";
    case run_result::release_incomplete:
      return "release_incomplete";
    case run_result::healthy:
      return "healthy";
    case run_result::unhealthy:
      return "unhealthy";
  }
  return "invalid";
}

std::vector<std::string> validate(const takeover_settings& s) {
  std::vector<std::string> problems;
  std::set<std::string> names;
  auto check_name = [&](const resource_step& r, const std::string& where) {
    if (r.name.empty())
      problems.push_back(where + ": a name is needed");
    else if (!names.insert(r.name).second)
      problems.push_back(where + ": the name \"" + r.name + "\" is used twice");
    if (r.timeout <= duration::zero()) problems.push_back(where + ": timeout must be > 0");
  };
  if (s.fence) {
    check_name(*s.fence, "fence");
    if (s.fence->kind != resource_kind::fence)
      problems.push_back("fence: the fence action must be of kind fence");
  } else if (s.fencing == fence_policy::required) {
    problems.push_back("fence: fencing is required but no fence action is configured");
  }
  for (size_t i = 0; i < s.resources.size(); ++i) {
    std::string where = "resources[" + std::to_string(i) + "]";
    check_name(s.resources[i], where);
    if (s.resources[i].kind == resource_kind::fence)
      problems.push_back(where + ": a fence action belongs in fence, not in the resource list");
  }
  return problems;
}

takeover_plan::takeover_plan(takeover_settings settings)
    : settings_(std::move(settings)), held_(settings_.resources.size(), false) {}

bool takeover_plan::holds_any() const {
  for (bool h : held_)
    if (h) return true;
  return false;
}

bool takeover_plan::holds_all() const {
  for (bool h : held_)
    if (!h) return false;
  return true;
}

const resource_step& takeover_plan::step_of(const std::optional<size_t>& index) const {
  return index ? settings_.resources[*index] : *settings_.fence;
}

plan_progress takeover_plan::start_takeover(time_point now, std::string reason, bool fence_first) {
  std::vector<queued_step> queue;
  // Holding everything already, there is nothing to protect by fencing.
  if (fence_first && settings_.fence && !holds_all())
    queue.push_back({std::nullopt, step_action::start, false});
  for (size_t i = 0; i < held_.size(); ++i)
    if (!held_[i]) queue.push_back({i, step_action::start, false});
  return begin(run_kind::takeover, now, std::move(reason), std::move(queue));
}

plan_progress takeover_plan::start_release(time_point now, std::string reason) {
  std::vector<queued_step> queue;
  for (size_t i = held_.size(); i-- > 0;)
    if (held_[i]) queue.push_back({i, step_action::stop, false});
  return begin(run_kind::release, now, std::move(reason), std::move(queue));
}

plan_progress takeover_plan::start_check(time_point now, std::string reason) {
  std::vector<queued_step> queue;
  for (size_t i = 0; i < held_.size(); ++i)
    if (held_[i]) queue.push_back({i, step_action::status, false});
  return begin(run_kind::check, now, std::move(reason), std::move(queue));
}

plan_progress takeover_plan::begin(run_kind kind, time_point now, std::string reason,
                                   std::vector<queued_step> queue) {
  if (current_) return plan_progress{std::nullopt, std::nullopt, heartbeat_errc::plan_busy};
  plan_run run;
  run.kind = kind;
  run.reason = std::move(reason);
  run.started = now;
  current_ = std::move(run);
  queue_ = std::move(queue);
  failed_at_.reset();
  stop_failures_.clear();
  fence_failed_ = false;
  return next_or_finish(now);
}

plan_progress takeover_plan::next_or_finish(time_point now) {
  if (!queue_.empty()) {
    queued_step q = queue_.front();
    queue_.erase(queue_.begin());
    step_request r;
    r.ticket = next_ticket_++;
    r.index = q.index;
    r.step = step_of(q.index);
    r.action = q.action;
    pending_ = r;
    pending_step_ = q;
    pending_since_ = now;
    return plan_progress{r, std::nullopt, heartbeat_errc::none};
  }
  auto failures = [this](const std::string& what) {
    std::string text;
    for (const std::string& f : stop_failures_) {
      if (!text.empty()) text += "; ";
      text += what + f;
    }
    return text;
  };
  switch (current_->kind) {
    case run_kind::takeover:
      if (failed_at_ && stop_failures_.empty())
        return finish(run_result::failed_rolled_back,
                      "takeover failed at " + *failed_at_ + ", rolled back", now);
      if (failed_at_)
        return finish(
            run_result::rollback_incomplete,
            "takeover failed at " + *failed_at_ + ", rollback incomplete: " + failures("stop of "),
            now);
      return finish(run_result::serving,
                    fence_failed_ ? "takeover complete; fencing failed (best effort policy)"
                                  : "takeover complete",
                    now);
    case run_kind::release:
      if (stop_failures_.empty()) return finish(run_result::released, "released", now);
      return finish(run_result::release_incomplete, "release incomplete: " + failures("stop of "),
                    now);
    case run_kind::check:
      if (stop_failures_.empty()) return finish(run_result::healthy, "healthy", now);
      return finish(run_result::unhealthy, failures("status of "), now);
  }
  return finish(run_result::serving, "", now);
}

plan_progress takeover_plan::finish(run_result result, std::string summary, time_point now) {
  current_->ended = now;
  current_->result = result;
  current_->summary = std::move(summary);
  switch (current_->kind) {
    case run_kind::takeover:
      last_takeover_ = std::move(current_);
      break;
    case run_kind::release:
      last_release_ = std::move(current_);
      break;
    case run_kind::check:
      last_check_ = std::move(current_);
      break;
  }
  current_.reset();
  queue_.clear();
  pending_.reset();
  pending_step_.reset();
  return plan_progress{std::nullopt, result, heartbeat_errc::none};
}

plan_progress takeover_plan::on_outcome(uint64_t ticket, const step_outcome& outcome,
                                        time_point now) {
  if (!pending_ || pending_->ticket != ticket)
    return plan_progress{std::nullopt, std::nullopt, heartbeat_errc::stale_outcome};
  queued_step q = *pending_step_;
  const resource_step& step = step_of(q.index);
  std::string reason = outcome.reason;
  if (outcome.status == step_status::timed_out && reason.empty())
    reason = "timed out after " + format_duration(step.timeout);
  else if (outcome.status == step_status::failed && reason.empty())
    reason = "failed";

  timeline_entry e;
  e.name = step.name;
  e.kind = step.kind;
  e.action = q.action;
  e.started = pending_since_;
  e.ended = now;
  e.status = outcome.status;
  e.reason = reason;
  e.rollback = q.rollback;
  current_->timeline.push_back(std::move(e));
  pending_.reset();
  pending_step_.reset();

  bool ok = outcome.status == step_status::ok;
  if (!q.index) {  // the fence action
    if (!ok) {
      fence_failed_ = true;
      if (settings_.fencing == fence_policy::required)
        return finish(run_result::refused_fencing_failed,
                      "takeover refused: fencing failed: " + step.name + ": " + reason, now);
    }
    return next_or_finish(now);
  }
  size_t i = *q.index;
  switch (q.action) {
    case step_action::start:
      if (ok) {
        held_[i] = true;
        break;
      }
      // Roll back: this step (it may have done part of its work) and everything held, in
      // reverse order, so a failed takeover leaves the node holding nothing.
      failed_at_ = step.name + ": " + reason;
      queue_.clear();
      for (size_t j = held_.size(); j-- > 0;)
        if (held_[j] || j == i) queue_.push_back({j, step_action::stop, true});
      break;
    case step_action::stop:
      if (ok)
        held_[i] = false;
      else
        stop_failures_.push_back(step.name + " failed: " + reason);
      break;
    case step_action::status:
      if (!ok) stop_failures_.push_back(step.name + " failed: " + reason);
      break;
  }
  return next_or_finish(now);
}

}  // namespace hamesh::heartbeat
