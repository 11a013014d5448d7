#include "runtime/supervision/supervisor_core.hpp"

#include <algorithm>

#include "runtime/duration.hpp"

namespace hamesh::supervision {

std::string_view to_string(child_status x) {
  switch (x) {
    case child_status::stopped:
      return "stopped";
    case child_status::running:
      return "running";
    case child_status::failed:
      return "failed";
  }
  return "?";
}

supervisor_core::supervisor_core(strategy strat, restart_intensity intensity,
                                 std::vector<child_info> children, bool is_root)
    : strategy_(strat), intensity_(intensity), is_root_(is_root) {
  children_.reserve(children.size());
  for (auto& c : children) children_.push_back(child_record{std::move(c), {}, 0, {}, {}, {}});
}

child_record* supervisor_core::lookup(const std::string& name) {
  for (auto& c : children_)
    if (c.info.name == name) return &c;
  return nullptr;
}

const child_record* supervisor_core::find(const std::string& name) const {
  for (auto& c : children_)
    if (c.info.name == name) return &c;
  return nullptr;
}

std::vector<step> supervisor_core::start_all() {
  std::vector<step> steps;
  for (auto& c : children_) {
    if (c.status == child_status::running) continue;
    c.status = child_status::running;
    steps.push_back({step::action::start, c.info.name});
  }
  return steps;
}

std::vector<step> supervisor_core::stop_all() {
  std::vector<step> steps;
  for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
    if (it->status != child_status::running) continue;
    it->status = child_status::stopped;
    it->started_at.reset();
    steps.push_back({step::action::stop, it->info.name});
  }
  return steps;
}

void supervisor_core::set_policy(strategy strat, restart_intensity intensity) {
  strategy_ = strat;
  intensity_ = intensity;
}

void supervisor_core::started(const std::string& name, time_point now) {
  if (auto* c = lookup(name)) c->started_at = now;
}

void supervisor_core::forget_old_restarts(time_point now) {
  // A restart exactly `period` ago has left the window: the window is (now - period, now].
  while (!restart_times_.empty() && now - restart_times_.front() >= intensity_.period)
    restart_times_.pop_front();
}

size_t supervisor_core::restarts_in_window(time_point now) {
  forget_old_restarts(now);
  return restart_times_.size();
}

exit_decision supervisor_core::exited(const std::string& name, bool failure,
                                      const std::string& reason, time_point now) {
  exit_decision d;
  auto* rec = lookup(name);
  if (!rec || rec->status != child_status::running) return d;
  rec->status = child_status::stopped;
  rec->started_at.reset();
  if (failure) {
    rec->last_failure = reason;
    rec->last_failure_at = now;
  }
  bool wanted = rec->info.restart == restart_type::permanent ||
                (rec->info.restart == restart_type::transient && failure);
  if (!wanted) return d;

  restart_times_.push_back(now);
  forget_old_restarts(now);
  if (restart_times_.size() > intensity_.max_restarts) {
    d.reason = "'" + name + "' needed " + std::to_string(restart_times_.size()) +
               " restarts within " + format_duration(intensity_.period) + " (max_restarts " +
               std::to_string(intensity_.max_restarts) + ")" +
               (reason.empty() ? std::string() : "; last failure: " + reason);
    if (is_root_) {
      rec->status = child_status::failed;
      d.result = exit_decision::outcome::given_up;
    } else {
      d.result = exit_decision::outcome::escalated;
      d.steps = stop_all();
    }
    // The window starts afresh for whatever happens next (a reload, an operator restart).
    restart_times_.clear();
    return d;
  }

  d.result = exit_decision::outcome::restarted;
  size_t failed_index = static_cast<size_t>(rec - children_.data());
  // Siblings that go down with it: none, all, or those started after it.
  std::vector<size_t> affected;
  for (size_t i = 0; i < children_.size(); ++i) {
    if (i == failed_index || children_[i].status != child_status::running) continue;
    if (strategy_ == strategy::one_for_all ||
        (strategy_ == strategy::rest_for_one && i > failed_index))
      affected.push_back(i);
  }
  for (auto it = affected.rbegin(); it != affected.rend(); ++it) {
    children_[*it].status = child_status::stopped;
    children_[*it].started_at.reset();
    d.steps.push_back({step::action::stop, children_[*it].info.name});
  }
  for (size_t i = 0; i < children_.size(); ++i) {
    bool restart_it = i == failed_index;
    if (!restart_it && std::find(affected.begin(), affected.end(), i) != affected.end())
      // A temporary sibling taken down with the failed one is not brought back (as in OTP).
      restart_it = children_[i].info.restart != restart_type::temporary;
    if (!restart_it) continue;
    children_[i].status = child_status::running;
    ++children_[i].restarts;
    d.steps.push_back({step::action::start, children_[i].info.name});
  }
  return d;
}

std::vector<step> supervisor_core::restart(const std::string& name) {
  std::vector<step> steps;
  auto* rec = lookup(name);
  if (!rec) return steps;
  if (rec->status == child_status::running) steps.push_back({step::action::stop, name});
  rec->status = child_status::running;
  rec->started_at.reset();
  ++rec->restarts;
  steps.push_back({step::action::start, name});
  return steps;
}

reload_plan supervisor_core::reload(std::vector<child_info> next) {
  reload_plan plan;
  auto unchanged = [&](const child_record& old) {
    for (auto& n : next)
      if (n.name == old.info.name)
        return n.kind == old.info.kind && n.fingerprint == old.info.fingerprint;
    return false;
  };
  for (auto it = children_.rbegin(); it != children_.rend(); ++it)
    if (!unchanged(*it) && it->status == child_status::running)
      plan.steps.push_back({step::action::stop, it->info.name});

  std::vector<child_record> rebuilt;
  rebuilt.reserve(next.size());
  for (auto& n : next) {
    auto* old = lookup(n.name);
    if (old && unchanged(*old)) {
      bool settings_changed = old->info.settings != n.settings;
      rebuilt.push_back(std::move(*old));
      rebuilt.back().info = std::move(n);
      if (settings_changed && !rebuilt.back().info.is_supervisor() &&
          rebuilt.back().status == child_status::running)
        plan.updated.push_back(rebuilt.back().info.name);
      if (rebuilt.back().info.is_supervisor() && rebuilt.back().status == child_status::running)
        plan.reloaded.push_back(rebuilt.back().info.name);
      continue;
    }
    rebuilt.push_back(child_record{std::move(n), child_status::running, 0, {}, {}, {}});
    plan.steps.push_back({step::action::start, rebuilt.back().info.name});
  }
  children_ = std::move(rebuilt);
  return plan;
}

}  // namespace hamesh::supervision
