#pragma once
// What an actor that acts on probe verdicts (an IPVS service, an HTTP listener) needs: find
// each probe by its path through the node, subscribe, and subscribe again when the probe
// restarts (its last verdict stands meanwhile). Verdicts arrive at the actor as
// (probe_verdict_atom, path, health, detail); it routes probe_retry_atom and down messages
// here.
#include <caf/fwd.hpp>

#include <map>
#include <set>
#include <string>

namespace hamesh::probe {

class probe_follower {
 public:
  // Follows exactly these paths from now on: new ones are looked up, dropped ones forgotten.
  void follow(caf::event_based_actor* self, const std::set<std::string>& paths);
  bool follows(const std::string& path) const { return paths_.count(path) != 0; }
  // (probe_retry_atom, path): look it up again.
  void retry(caf::event_based_actor* self, const std::string& path);
  // A monitored actor went down; true when it was one of our probes (resubscribing later).
  bool on_down(caf::event_based_actor* self, const caf::actor_addr& who);

 private:
  void subscribe(caf::event_based_actor* self, const std::string& path);
  std::set<std::string> paths_;
  std::map<caf::actor_addr, std::string> subscribed_;
};

}  // namespace hamesh::probe
