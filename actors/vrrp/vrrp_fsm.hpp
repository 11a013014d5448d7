#pragma once
// The RFC 5798 §6 state machine of one virtual router (pure): time is an argument, packets
// come in decoded, and what to do goes out as values. The actor sends the adverts, adds or
// removes the virtual addresses on the transitions and schedules next_deadline().
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "actors/vrrp/vrrp_packet.hpp"

namespace hamesh::vrrp {

using time_point = std::chrono::steady_clock::time_point;
using duration = std::chrono::nanoseconds;
using centiseconds = std::chrono::duration<int64_t, std::centi>;

// fault is keepalived's: tracking took the priority to 0 or below (not in the RFC).
enum class state { initialize, backup, master, fault };
std::string to_string(state s);

struct instance_config {
  uint8_t vrid = 1;
  uint8_t priority = 100;  // 1..254, or 255 for the address owner
  centiseconds advert_interval{100};
  bool preempt = true;
  // keepalived's preempt_delay: after start-up, do not preempt a lower-priority master for
  // this long (give the network and the peers time to settle).
  duration preempt_delay{0};
  uint32_t primary_address = 0;  // ours: the tie-break between equal priorities
};

struct transition {
  state from;
  state to;
  std::string reason;
};

struct actions {
  bool send_advert = false;
  uint8_t advert_priority = 0;  // 0 on shutdown: the backup takes over after skew time
  // Announce the virtual addresses again (gratuitous ARP) while staying master.
  bool reannounce = false;
  std::optional<transition> changed;
};

class fsm {
 public:
  explicit fsm(instance_config cfg);

  actions startup(time_point now);
  actions shutdown(time_point now);
  actions on_advert(const advert& a, time_point now);
  // Call at or after next_deadline().
  actions on_timer(time_point now);
  // Sync groups: an instance may become master only while its group allows it (every member
  // is master or ready to be). Disallowed, a master steps down; allowed, a backup that was
  // ready becomes master at once.
  actions set_master_allowed(bool allowed, time_point now);
  // Ready to be master: its Master_Down_Timer ran out but the group held it back.
  bool wants_master() const { return wants_master_; }

  // Tracking changed the effective priority: at 0 or below the instance goes to fault
  // (releasing mastership with a priority-0 advert); back above 0 it starts again.
  actions set_effective_priority(int effective, time_point now);

  std::optional<time_point> next_deadline() const;
  state current() const { return state_; }
  uint8_t priority() const { return priority_; }
  const instance_config& config() const { return cfg_; }
  centiseconds master_adver_interval() const { return master_adver_interval_; }
  duration skew_time() const;
  duration master_down_interval() const;
  std::optional<uint32_t> master_address() const { return master_address_; }

 private:
  actions become_master(time_point now, std::string reason);
  actions become_backup(time_point now, std::string reason);
  bool may_preempt(time_point now) const;
  std::string no_advert_reason() const;

  instance_config cfg_;
  uint8_t priority_;
  state state_ = state::initialize;
  centiseconds master_adver_interval_;
  std::optional<time_point> adver_timer_;
  std::optional<time_point> last_reannounce_;
  std::optional<time_point> master_down_timer_;
  std::string master_down_reason_;  // why the timer runs, for the transition it causes
  bool master_allowed_ = true;
  bool wants_master_ = false;
  std::optional<uint32_t> master_address_;
  time_point started_at_{};
};

}  // namespace hamesh::vrrp
