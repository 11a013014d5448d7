#include "actors/heartbeat/heartbeat_sender.hpp"

namespace hamesh::heartbeat {

heartbeat_sender::heartbeat_sender(sender_identity id, duration keepalive,
                                   std::vector<std::string> links, time_point start)
    : id_(std::move(id)), keepalive_(keepalive), links_(std::move(links)), next_(start) {}

std::vector<outgoing_heartbeat> heartbeat_sender::due(time_point now, const sender_status& status) {
  if (now < next_) return {};
  next_ += keepalive_;
  if (next_ <= now) next_ = now + keepalive_;  // late: skip the missed rounds
  return round(status);
}

std::vector<outgoing_heartbeat> heartbeat_sender::send_now(time_point now,
                                                           const sender_status& status) {
  next_ = now + keepalive_;
  return round(status);
}

std::vector<outgoing_heartbeat> heartbeat_sender::round(const sender_status& status) {
  ++sequence_;
  std::vector<outgoing_heartbeat> out;
  out.reserve(links_.size());
  for (size_t i = 0; i < links_.size(); ++i) {
    heartbeat_message m;
    m.node = id_.node;
    m.pair = id_.pair;
    m.generation = id_.generation;
    m.sequence = sequence_;
    m.role = status.role;
    m.resources_held = status.resources_held;
    m.degraded = status.degraded;
    m.can_serve = status.can_serve;
    m.link = links_[i];
    m.peer_generation = status.peer_generation;
    out.push_back({i, std::move(m)});
  }
  return out;
}

}  // namespace hamesh::heartbeat
