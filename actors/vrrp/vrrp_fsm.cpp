#include "actors/vrrp/vrrp_fsm.hpp"

namespace hamesh::vrrp {

std::string to_string(state s) {
  switch (s) {
    case state::initialize:
      return "INIT";
    case state::backup:
      return "BACKUP";
    case state::master:
      return "MASTER";
    case state::fault:
      return "FAULT";
  }
  return "?";
}

fsm::fsm(instance_config cfg)
    : cfg_(cfg), priority_(cfg.priority), master_adver_interval_(cfg.advert_interval) {}

// RFC 5798 §6.1: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256.
duration fsm::skew_time() const {
  return std::chrono::duration_cast<duration>(master_adver_interval_) * (256 - priority_) / 256;
}

// RFC 5798 §6.1: Master_Down_Interval = (3 * Master_Adver_Interval) + Skew_time.
duration fsm::master_down_interval() const {
  return 3 * std::chrono::duration_cast<duration>(master_adver_interval_) + skew_time();
}

std::string fsm::no_advert_reason() const {
  return "no advert from the master for " +
         std::to_string(
             std::chrono::duration_cast<std::chrono::milliseconds>(master_down_interval())
                 .count()) +
         " ms";
}

bool fsm::may_preempt(time_point now) const {
  return cfg_.preempt && now - started_at_ >= cfg_.preempt_delay;
}

std::optional<time_point> fsm::next_deadline() const {
  if (state_ == state::master) return adver_timer_;
  if (state_ == state::backup) return master_down_timer_;
  return std::nullopt;
}

actions fsm::become_master(time_point now, std::string reason) {
  actions a;
  a.changed = transition{state_, state::master, std::move(reason)};
  state_ = state::master;
  wants_master_ = false;
  // RFC 5798 §6.4.1/§6.4.2: send an ADVERTISEMENT (and gratuitous ARP: the actor's part)
  // and start the Adver_Timer.
  a.send_advert = true;
  a.advert_priority = priority_;
  adver_timer_ = now + cfg_.advert_interval;
  master_down_timer_.reset();
  master_address_ = cfg_.primary_address;
  return a;
}

actions fsm::become_backup(time_point now, std::string reason) {
  actions a;
  a.changed = transition{state_, state::backup, std::move(reason)};
  state_ = state::backup;
  wants_master_ = false;
  adver_timer_.reset();
  master_down_timer_ = now + master_down_interval();
  master_down_reason_ = no_advert_reason();
  return a;
}

actions fsm::startup(time_point now) {
  if (state_ != state::initialize) return {};
  started_at_ = now;
  master_adver_interval_ = cfg_.advert_interval;
  master_address_.reset();
  // RFC 5798 §6.4.1: the address owner (255) becomes master at once; others wait as backup.
  if (priority_ == 255) return become_master(now, "address owner (priority 255)");
  return become_backup(now, "startup");
}

actions fsm::shutdown(time_point now) {
  (void)now;
  actions a;
  if (state_ == state::master) {
    // RFC 5798 §6.4.3: stop the timer and send an ADVERTISEMENT with priority 0, so the
    // backup takes over after Skew_Time instead of Master_Down_Interval.
    a.send_advert = true;
    a.advert_priority = 0;
  }
  if (state_ != state::initialize) a.changed = transition{state_, state::initialize, "shutdown"};
  state_ = state::initialize;
  adver_timer_.reset();
  master_down_timer_.reset();
  return a;
}

actions fsm::on_advert(const advert& adv, time_point now) {
  if (adv.vrid != cfg_.vrid) return {};
  if (state_ == state::backup) {
    if (adv.priority == 0) {
      // RFC 5798 §6.4.2: the master is leaving: take over after Skew_Time.
      master_down_timer_ = now + skew_time();
      master_down_reason_ =
          "master " + format_ipv4(adv.source) + " left (priority 0); waited skew time " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::milliseconds>(skew_time()).count()) +
          " ms";
      return {};
    }
    if (!may_preempt(now) || adv.priority >= priority_) {
      master_adver_interval_ = centiseconds(adv.max_adver_int_cs);
      master_down_timer_ = now + master_down_interval();
      master_down_reason_ = no_advert_reason();
      master_address_ = adv.source;
      wants_master_ = false;  // a master it accepts is there
      return {};
    }
    return {};  // a lower priority master and we preempt: let Master_Down_Timer run out
  }
  if (state_ == state::master) {
    if (adv.priority == 0) {
      // RFC 5798 §6.4.3: another master is leaving; assert ourselves at once.
      actions a;
      a.send_advert = true;
      a.advert_priority = priority_;
      adver_timer_ = now + cfg_.advert_interval;
      return a;
    }
    bool higher = adv.priority > priority_ ||
                  (adv.priority == priority_ && adv.source > cfg_.primary_address);
    if (higher) {
      master_adver_interval_ = centiseconds(adv.max_adver_int_cs);
      master_address_ = adv.source;
      return become_backup(
          now, "advert from " + format_ipv4(adv.source) + " with " +
                   (adv.priority > priority_ ? "higher priority " + std::to_string(adv.priority)
                                             : "equal priority and a higher address"));
    }
    // RFC 5798 §6.4.3 discards a lower-priority advert. But a backup that advertises as
    // master has likely sent gratuitous ARP for our addresses and drawn the traffic: answer
    // with an advert and our own ARP announcements at once (keepalived's default, and its
    // garp_lower_prio_repeat), at most once a second so a confused peer cannot make a storm.
    if (last_reannounce_ && now - *last_reannounce_ < std::chrono::seconds(1)) return {};
    last_reannounce_ = now;
    actions a;
    a.send_advert = true;
    a.advert_priority = priority_;
    a.reannounce = true;
    adver_timer_ = now + cfg_.advert_interval;
    return a;
  }
  return {};
}

actions fsm::on_timer(time_point now) {
  if (state_ == state::master && adver_timer_ && now >= *adver_timer_) {
    actions a;
    a.send_advert = true;
    a.advert_priority = priority_;
    // Keep the cadence: the next advert is due one interval after this one was.
    adver_timer_ = *adver_timer_ + cfg_.advert_interval;
    if (*adver_timer_ <= now) adver_timer_ = now + cfg_.advert_interval;  // we were late
    return a;
  }
  if (state_ == state::backup && master_down_timer_ && now >= *master_down_timer_) {
    if (master_allowed_) return become_master(now, master_down_reason_);
    // The group holds it back: ready, and asking again after another interval.
    wants_master_ = true;
    master_down_timer_ = now + master_down_interval();
    return {};
  }
  return {};
}

actions fsm::set_master_allowed(bool allowed, time_point now) {
  master_allowed_ = allowed;
  if (!allowed && state_ == state::master)
    return become_backup(now, "sync group: another member left MASTER");
  if (allowed && state_ == state::backup && wants_master_)
    return become_master(now, "sync group: every member ready");
  return {};
}

actions fsm::set_effective_priority(int effective, time_point now) {
  if (effective <= 0) {
    if (state_ == state::fault) return {};
    actions a;
    if (state_ == state::master) {
      a.send_advert = true;
      a.advert_priority = 0;
    }
    a.changed =
        transition{state_, state::fault, "tracked priority reached " + std::to_string(effective)};
    state_ = state::fault;
    wants_master_ = false;
    adver_timer_.reset();
    master_down_timer_.reset();
    return a;
  }
  priority_ = static_cast<uint8_t>(effective > 255 ? 255 : effective);
  if (state_ == state::fault) {
    state_ = state::initialize;
    auto a = startup(now);
    if (a.changed) a.changed->from = state::fault, a.changed->reason = "tracking recovered";
    return a;
  }
  return {};  // a master's next advert carries it; a backup's skew follows it
}

}  // namespace hamesh::vrrp
