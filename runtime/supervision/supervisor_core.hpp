#pragma once
// The decisions of a supervisor, without CAF, sockets or a clock: the shell reports
// what happened (a child started, a child exited, a reload) with the time, and gets back
// which children to stop and start, in order. Children are known by name, so decisions
// stay valid while earlier ones are still being carried out.
#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "runtime/supervision/policy.hpp"

namespace hamesh::supervision {

using time_point = std::chrono::steady_clock::time_point;

struct child_info {
  std::string name;  // unique among siblings; its path segment(s), e.g. "ticker/t1"
  std::string kind;  // "supervisor" for subtrees, otherwise the actor kind
  restart_type restart = restart_type::permanent;
  std::string fingerprint;  // the config it was built from; a reload restarts it when this changes
  // Settings a running child can take without a restart (set only for children that can): a
  // reload that changes these and not the fingerprint updates it in place.
  std::string settings = {};
  bool is_supervisor() const { return kind == "supervisor"; }
};

enum class child_status {
  stopped,  // not started yet, stopped by the supervisor, or exited and not to be restarted
  running,  // started (or about to be: a start step is queued)
  failed,   // a root gave up on it after its restart intensity ran out
};
std::string_view to_string(child_status x);

struct child_record {
  child_info info;
  child_status status = child_status::stopped;
  uint32_t restarts = 0;
  std::optional<time_point> started_at;
  std::string last_failure;
  std::optional<time_point> last_failure_at;
};

// One step for the shell to carry out, in order. A stop waits until the child is gone.
struct step {
  enum class action { start, stop };
  action what;
  std::string child;
  bool operator==(const step& o) const { return what == o.what && child == o.child; }
};

struct exit_decision {
  enum class outcome {
    ignored,    // not a child we consider running, or it is not to be restarted
    restarted,  // `steps` restart it (and siblings, per strategy)
    escalated,  // intensity exceeded: `steps` stop every child; the supervisor then fails
    given_up,   // intensity exceeded at the root: this child stays down, the others run on
  };
  outcome result = outcome::ignored;
  std::vector<step> steps;
  std::string reason;  // for escalated/given_up: why, for the parent and the operator
};

struct reload_plan {
  std::vector<step> steps;            // stops (reverse order) then starts (in order)
  std::vector<std::string> reloaded;  // unchanged subtrees whose own children may differ
  std::vector<std::string> updated;   // running leaves to update in place (settings changed)
};

class supervisor_core {
 public:
  // `is_root`: the node's top never escalates (nothing is above it); it gives up on the
  // child that exhausted its intensity instead.
  supervisor_core(strategy strat, restart_intensity intensity, std::vector<child_info> children,
                  bool is_root = false);

  // Steps to start every child in order.
  std::vector<step> start_all();
  // Steps to stop every running child, last started first.
  std::vector<step> stop_all();

  // The shell has spawned the child.
  void started(const std::string& name, time_point now);
  // The child exited on its own (not because a stop step asked it to).
  exit_decision exited(const std::string& name, bool failure, const std::string& reason,
                       time_point now);
  // An operator asked for a restart: stop and start it, counted but outside the intensity.
  std::vector<step> restart(const std::string& name);

  // Replaces the children with `next`: removed and changed children stop, new and changed
  // ones start, unchanged ones keep running (and keep their restart counts).
  reload_plan reload(std::vector<child_info> next);

  // A reload may change the supervisor's own policy; the restart window carries over.
  void set_policy(strategy strat, restart_intensity intensity);

  const std::vector<child_record>& children() const { return children_; }
  const child_record* find(const std::string& name) const;
  strategy strat() const { return strategy_; }
  const restart_intensity& intensity() const { return intensity_; }
  // Restarts counted in the intensity window ending at `now`.
  size_t restarts_in_window(time_point now);

 private:
  child_record* lookup(const std::string& name);
  void forget_old_restarts(time_point now);

  strategy strategy_;
  restart_intensity intensity_;
  bool is_root_;
  std::vector<child_record> children_;
  std::deque<time_point> restart_times_;
};

}  // namespace hamesh::supervision
