#include "actors/heartbeat/heartbeat_monitor.hpp"

#include <algorithm>

namespace hamesh::heartbeat {

const char* to_string(peer_state s) {
  switch (s) {
    case peer_state::unknown:
      return "unknown";
    case peer_state::alive:
      return "alive";
    case peer_state::suspected:
      return "suspected";
    case peer_state::dead:
      return "dead";
  }
  return "invalid";
}

const char* to_string(link_state s) {
  switch (s) {
    case link_state::unknown:
      return "unknown";
    case link_state::up:
      return "up";
    case link_state::failed:
      return "failed";
  }
  return "invalid";
}

const char* to_string(monitor_event_kind k) {
  switch (k) {
    case monitor_event_kind::peer_alive:
      return "peer_alive";
    case monitor_event_kind::peer_suspected:
      return "peer_suspected";
    case monitor_event_kind::peer_recovered:
      return "peer_recovered";
    case monitor_event_kind::peer_dead:
      return "peer_dead";
    case monitor_event_kind::peer_returned:
      return "peer_returned";
    case monitor_event_kind::peer_restarted:
      return "peer_restarted";
    case monitor_event_kind::link_failed:
      return "link_failed";
    case monitor_event_kind::link_restored:
      return "link_restored";
  }
  return "invalid";
}

heartbeat_monitor::heartbeat_monitor(heartbeat_settings settings, time_point start)
    : settings_(std::move(settings)), start_(start) {
  for (const std::string& name : settings_.links) {
    link_status l;
    l.name = name;
    links_.push_back(std::move(l));
  }
}

duration heartbeat_monitor::link_silence(const link_status& l, time_point now) const {
  // A link is given deadtime from the moment the peer became alive: a link that never
  // carried anything is failed a deadtime after the peer was first heard elsewhere.
  time_point since = l.last_heard ? std::max(*l.last_heard, alive_since_) : alive_since_;
  return now - since;
}

void heartbeat_monitor::advance(time_point now, std::vector<monitor_event>& out) {
  auto die = [&](duration silence, bool never_heard) {
    peer_ = peer_state::dead;
    generation_at_death_ = peer_generation();
    ++deaths_;
    for (link_status& l : links_) l.state = link_state::unknown;
    monitor_event e;
    e.kind = monitor_event_kind::peer_dead;
    e.at = now;
    e.silence = silence;
    e.generation = peer_generation();
    e.never_heard = never_heard;
    out.push_back(e);
  };
  switch (peer_) {
    case peer_state::unknown:
      if (now - start_ >= settings_.initdead) die(now - start_, true);
      return;
    case peer_state::alive:
    case peer_state::suspected: {
      duration silence = now - *last_heard_;
      if (silence >= settings_.deadtime) {
        // A tick late enough to cross both thresholds goes straight to dead.
        die(silence, false);
      } else if (silence >= settings_.warntime) {
        if (peer_ == peer_state::alive) {
          peer_ = peer_state::suspected;
          monitor_event e;
          e.kind = monitor_event_kind::peer_suspected;
          e.at = now;
          e.silence = silence;
          e.generation = peer_generation();
          out.push_back(e);
        }
      } else {
        check_links(now, out);
      }
      return;
    }
    case peer_state::dead:
      return;
  }
}

void heartbeat_monitor::check_links(time_point now, std::vector<monitor_event>& out) {
  for (size_t i = 0; i < links_.size(); ++i) {
    link_status& l = links_[i];
    if (l.state == link_state::failed) continue;
    duration silence = link_silence(l, now);
    if (silence < settings_.deadtime) continue;
    l.state = link_state::failed;
    ++l.failures;
    monitor_event e;
    e.kind = monitor_event_kind::link_failed;
    e.at = now;
    e.silence = silence;
    e.link = i;
    e.generation = peer_generation();
    out.push_back(e);
  }
}

std::vector<monitor_event> heartbeat_monitor::on_heartbeat(size_t link, const heartbeat_message& m,
                                                           bool first_copy, time_point now) {
  std::vector<monitor_event> out;
  if (link >= links_.size()) return out;
  advance(now, out);
  link_status& l = links_[link];
  std::optional<time_point> link_heard_before = l.last_heard;
  l.last_heard = now;
  if (first_copy)
    ++l.first_copies;
  else
    ++l.later_copies;
  if (!m.link.empty() && m.link != l.name) ++l.crossed;

  if (first_copy) {
    bool new_generation = last_ && m.generation != last_->generation;
    duration silence = now - (last_heard_ ? *last_heard_ : start_);
    peer_state before = peer_;
    last_ = m;
    last_heard_ = now;
    monitor_event e;
    e.at = now;
    e.silence = silence;
    e.generation = m.generation;
    switch (before) {
      case peer_state::unknown:
        peer_ = peer_state::alive;
        alive_since_ = now;
        e.kind = monitor_event_kind::peer_alive;
        out.push_back(e);
        break;
      case peer_state::suspected:
        peer_ = peer_state::alive;
        ++late_;
        e.kind = monitor_event_kind::peer_recovered;
        out.push_back(e);
        break;
      case peer_state::dead:
        peer_ = peer_state::alive;
        alive_since_ = now;
        e.kind = monitor_event_kind::peer_returned;
        e.restarted = generation_at_death_ == 0 || m.generation != generation_at_death_;
        out.push_back(e);
        break;
      case peer_state::alive:
        break;
    }
    // A restart the monitor never saw as a death: the peer came back within deadtime, so
    // it lost its role and resources without anyone taking over.
    if ((before == peer_state::alive || before == peer_state::suspected) && new_generation) {
      e.kind = monitor_event_kind::peer_restarted;
      e.restarted = true;
      out.push_back(e);
    }
  }

  // Link states only move while the peer is alive (see the header).
  if (peer_ == peer_state::alive) {
    if (l.state == link_state::failed) {
      l.state = link_state::up;
      monitor_event e;
      e.kind = monitor_event_kind::link_restored;
      e.at = now;
      e.silence = now - (link_heard_before ? *link_heard_before : start_);
      e.link = link;
      e.generation = peer_generation();
      out.push_back(e);
    } else {
      l.state = link_state::up;
    }
  }
  return out;
}

std::vector<monitor_event> heartbeat_monitor::on_tick(time_point now) {
  std::vector<monitor_event> out;
  advance(now, out);
  return out;
}

std::optional<time_point> heartbeat_monitor::next_deadline() const {
  switch (peer_) {
    case peer_state::unknown:
      return start_ + settings_.initdead;
    case peer_state::alive: {
      time_point at = *last_heard_ + settings_.warntime;
      for (const link_status& l : links_) {
        if (l.state == link_state::failed) continue;
        time_point since = l.last_heard ? std::max(*l.last_heard, alive_since_) : alive_since_;
        at = std::min(at, since + settings_.deadtime);
      }
      return at;
    }
    case peer_state::suspected:
      return *last_heard_ + settings_.deadtime;
    case peer_state::dead:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace hamesh::heartbeat
