#include "actors/probe/probe_follower.hpp"

#include <caf/all.hpp>

#include "runtime/caf_types.hpp"

namespace hamesh::probe {
namespace {

// A probe not started yet (it may come after its follower in the tree) or restarting.
constexpr auto resubscribe_after = std::chrono::milliseconds(200);

}  // namespace

void probe_follower::follow(caf::event_based_actor* self, const std::set<std::string>& paths) {
  auto old = std::move(paths_);
  paths_ = paths;
  for (auto& p : paths_)
    if (!old.count(p)) subscribe(self, p);
}

void probe_follower::retry(caf::event_based_actor* self, const std::string& path) {
  if (follows(path)) subscribe(self, path);
}

bool probe_follower::on_down(caf::event_based_actor* self, const caf::actor_addr& who) {
  auto it = subscribed_.find(who);
  if (it == subscribed_.end()) return false;
  auto path = it->second;
  subscribed_.erase(it);
  if (follows(path)) self->delayed_send(self, resubscribe_after, probe_retry_atom_v, path);
  return true;
}

void probe_follower::subscribe(caf::event_based_actor* self, const std::string& path) {
  auto node = self->system().registry().get(node_registry_name);
  auto later = [self, path] {
    self->delayed_send(self, resubscribe_after, probe_retry_atom_v, path);
  };
  if (!node) return later();
  // `this` lives in the actor's state, as long as the actor and its pending requests.
  self->request(caf::actor_cast<caf::actor>(node), std::chrono::seconds(2), lookup_atom_v, path)
      .then(
          [this, self, path](caf::actor& probe) {
            if (!follows(path)) return;
            subscribed_[probe.address()] = path;
            self->monitor(probe);
            self->send(probe, probe_subscribe_atom_v);
          },
          [later](caf::error&) { later(); });
}

}  // namespace hamesh::probe
