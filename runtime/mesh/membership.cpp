#include "runtime/mesh/membership.hpp"

#include <algorithm>

#include "runtime/duration.hpp"

namespace hamesh::mesh {

std::string to_string(peer_state s) {
  switch (s) {
    case peer_state::connecting:
      return "connecting";
    case peer_state::up:
      return "up";
    case peer_state::down:
      return "down";
  }
  return "?";
}

membership::membership(membership_settings s, const std::vector<peer_config>& peers, time_point now)
    : settings_(s) {
  for (auto& p : peers) {
    peer_view v;
    v.address = p.address;
    v.since = now;
    if (!p.initiate) v.last_error = "waiting for it to connect";
    views_.push_back(v);
    timings_.push_back({now, now, now, 0, p.initiate});
  }
}

bool membership::initiates(const std::string& address) const {
  for (size_t i = 0; i < views_.size(); ++i)
    if (views_[i].address == address) return timings_[i].initiate;
  return false;
}

peer_view* membership::find(const std::string& address, timing** t) {
  for (size_t i = 0; i < views_.size(); ++i)
    if (views_[i].address == address) {
      if (t) *t = &timings_[i];
      return &views_[i];
    }
  return nullptr;
}

void membership::set_state(peer_view& p, peer_state s, time_point now) {
  if (p.state == s) return;
  // "connecting" is a transient of "down": it does not reset how long a peer has been down.
  bool still_down = (p.state == peer_state::down && s == peer_state::connecting) ||
                    (p.state == peer_state::connecting && s == peer_state::down);
  if (!still_down) p.since = now;
  p.state = s;
}

duration membership::backoff(uint32_t failures) const {
  duration d = settings_.backoff_min;
  for (uint32_t i = 1; i < failures && d < settings_.backoff_max; ++i) d *= 2;
  return std::min(d, settings_.backoff_max);
}

tick_actions membership::tick(time_point now) {
  tick_actions out;
  for (size_t i = 0; i < views_.size(); ++i) {
    auto& p = views_[i];
    auto& t = timings_[i];
    if (t.linked) {
      bool silent = now - t.last_heard >= settings_.down_after;
      if (silent && p.state != peer_state::down) {
        auto quiet = std::chrono::duration_cast<std::chrono::milliseconds>(now - t.last_heard);
        bool was_up = p.state == peer_state::up;
        p.last_error =
            (was_up ? "no answer for " : "connected but no answer for ") + format_duration(quiet);
        set_state(p, peer_state::down, now);
        out.went_down.push_back(p.address);
        if (t.initiate) {
          // Ours to redial. Up until now: at once; never answered: after a backoff.
          t.linked = false;
          t.next_connect = was_up ? now : now + backoff(++t.failures);
          out.drop_link.push_back(p.address);
        }
        // The passive side keeps the connection and keeps asking: a peer that was only
        // stalled may never notice it was gone, and so never say hello again.
      } else if (now >= t.next_ping) {
        t.next_ping = now + settings_.heartbeat;
        out.ping.push_back(p.address);
      }
    }
    if (p.state == peer_state::down && t.initiate && now >= t.next_connect) {
      set_state(p, peer_state::connecting, now);
      out.connect.push_back(p.address);
    }
  }
  return out;
}

void membership::connected(const std::string& address, time_point now) {
  timing* t = nullptr;
  auto* p = find(address, &t);
  if (!p) return;
  set_state(*p, peer_state::connecting, now);
  t->linked = true;
  t->last_heard = now;  // the answer to the first ping must come within down_after
  t->next_ping = now;   // ask at once: that answer makes it up and gives the RTT
}

void membership::connect_failed(const std::string& address, const std::string& reason,
                                time_point now) {
  timing* t = nullptr;
  auto* p = find(address, &t);
  if (!p) return;
  p->last_error = reason;
  set_state(*p, peer_state::down, now);
  t->next_connect = now + backoff(++t->failures);
}

void membership::answered(const std::string& address, const std::string& name, time_point sent,
                          time_point now) {
  timing* t = nullptr;
  auto* p = find(address, &t);
  if (!p || !t->linked) return;  // a late answer on a connection already given up
  if (p->state != peer_state::up) {
    set_state(*p, peer_state::up, now);
    ++p->connects;
    p->last_error.clear();
    t->failures = 0;
  }
  p->name = name;
  p->rtt = now - sent;
  t->last_heard = now;
}

void membership::lost(const std::string& address, const std::string& reason, time_point now) {
  timing* t = nullptr;
  auto* p = find(address, &t);
  if (!p || !t->linked) return;
  bool was_up = p->state == peer_state::up;
  t->linked = false;
  p->last_error = reason;
  set_state(*p, peer_state::down, now);
  t->next_connect = was_up ? now + settings_.backoff_min : now + backoff(++t->failures);
  if (was_up) t->failures = 0;
}

}  // namespace hamesh::mesh
