// RFC 5798 §6 driven by hand-made time: every transition, preemption and its delay, skew
// time, priority 0, the address owner, the tie-break, and FAULT from tracking.
#include "actors/vrrp/vrrp_fsm.hpp"

#include <boost/test/unit_test.hpp>

using namespace hamesh::vrrp;
using namespace std::chrono_literals;

namespace {

const time_point t0{std::chrono::hours(1)};
const uint32_t us = 0x0a000002;  // 10.0.0.2
const uint32_t lower = 0x0a000001;
const uint32_t higher = 0x0a000003;

instance_config config(uint8_t priority, bool preempt = true, duration delay = 0s) {
  instance_config c;
  c.vrid = 51;
  c.priority = priority;
  c.advert_interval = centiseconds(100);
  c.preempt = preempt;
  c.preempt_delay = delay;
  c.primary_address = us;
  return c;
}

advert from(uint32_t source, uint8_t priority, uint16_t interval_cs = 100) {
  advert a;
  a.vrid = 51;
  a.priority = priority;
  a.max_adver_int_cs = interval_cs;
  a.source = source;
  return a;
}

int64_t ns(duration d) {
  return d.count();
}
std::string st(const fsm& f) {
  return to_string(f.current());
}

// A backup whose master (priority `master_prio`) advertises every second from t0.
fsm backup_with_master(uint8_t prio, uint8_t master_prio, bool preempt = true,
                       duration delay = 0s) {
  fsm f(config(prio, preempt, delay));
  f.startup(t0);
  f.on_advert(from(higher, master_prio), t0);
  return f;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vrrp_fsm_tests)

BOOST_AUTO_TEST_CASE(timers_follow_section_6_1) {
  fsm f(config(100));
  // Skew_Time = (256 - 100) * 1 s / 256 = 609.375 ms; Master_Down_Interval = 3 s + skew.
  BOOST_TEST(ns(f.skew_time()) == ns(609375us));
  BOOST_TEST(ns(f.master_down_interval()) == ns(3609375us));
  fsm owner(config(255));
  BOOST_TEST(ns(owner.skew_time()) == ns(3906250ns));
}

BOOST_AUTO_TEST_CASE(a_router_starts_as_backup_and_becomes_master_after_master_down_interval) {
  fsm f(config(100));
  auto a = f.startup(t0);
  BOOST_TEST(st(f) == "BACKUP");
  BOOST_TEST(!a.send_advert);
  BOOST_TEST((f.next_deadline() == t0 + 3609375us));
  BOOST_TEST(!f.on_timer(t0 + 3609374us).changed.has_value());
  auto m = f.on_timer(t0 + 3609375us);
  BOOST_TEST(st(f) == "MASTER");
  BOOST_TEST(m.send_advert);
  BOOST_TEST(m.advert_priority == 100);
  BOOST_TEST((m.changed->from == state::backup));
  BOOST_TEST(m.changed->reason == "no advert from the master for 3609 ms");
  BOOST_TEST(*f.master_address() == us);
}

BOOST_AUTO_TEST_CASE(the_address_owner_is_master_at_once) {
  fsm f(config(255));
  auto a = f.startup(t0);
  BOOST_TEST(st(f) == "MASTER");
  BOOST_TEST(a.send_advert);
  BOOST_TEST(a.advert_priority == 255);
}

BOOST_AUTO_TEST_CASE(a_master_advertises_every_interval) {
  fsm f(config(255));
  f.startup(t0);
  BOOST_TEST((f.next_deadline() == t0 + 1s));
  BOOST_TEST(!f.on_timer(t0 + 999ms).send_advert);
  BOOST_TEST(f.on_timer(t0 + 1s).send_advert);
  BOOST_TEST((f.next_deadline() == t0 + 2s));
  BOOST_TEST(f.on_timer(t0 + 2s + 300ms).send_advert);  // late: cadence kept
  BOOST_TEST((f.next_deadline() == t0 + 3s));
}

BOOST_AUTO_TEST_CASE(adverts_from_the_master_keep_a_backup_waiting) {
  auto f = backup_with_master(100, 200);
  for (int s = 1; s <= 10; ++s) {
    f.on_advert(from(higher, 200), t0 + s * 1s);
    BOOST_TEST(!f.on_timer(t0 + s * 1s + 3s).changed.has_value());
  }
  BOOST_TEST(st(f) == "BACKUP");
  BOOST_TEST(*f.master_address() == higher);
}

BOOST_AUTO_TEST_CASE(a_backup_learns_the_masters_interval) {
  auto f = backup_with_master(100, 200);
  f.on_advert(from(higher, 200, 50), t0 + 1s);
  BOOST_TEST(f.master_adver_interval().count() == 50);
  // 3 * 500 ms + (156 * 500 ms / 256) = 1.5 s + 304.6875 ms
  BOOST_TEST((f.next_deadline() == t0 + 1s + 1804687500ns));
}

BOOST_AUTO_TEST_CASE(priority_zero_makes_the_backup_take_over_after_skew_time) {
  auto f = backup_with_master(100, 200);
  f.on_advert(from(higher, 0), t0 + 1s);
  BOOST_TEST((f.next_deadline() == t0 + 1s + 609375us));
  auto a = f.on_timer(t0 + 1s + 609375us);
  BOOST_TEST(st(f) == "MASTER");
  BOOST_TEST(a.send_advert);
  BOOST_TEST(a.changed->reason == "master 10.0.0.3 left (priority 0); waited skew time 609 ms");
}

struct master_case {
  const char* what;
  uint8_t priority;
  uint32_t source;
  bool yields;
};

BOOST_AUTO_TEST_CASE(a_master_yields_only_to_higher_priority_or_equal_priority_and_higher_address) {
  const master_case cases[] = {
      {"higher priority", 150, lower, true},
      {"equal priority, higher address", 100, higher, true},
      {"equal priority, lower address", 100, lower, false},
      {"lower priority", 50, higher, false},
  };
  for (auto& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      fsm f(config(100));
      f.startup(t0);
      f.on_timer(t0 + 4s);
      BOOST_REQUIRE(st(f) == "MASTER");
      auto a = f.on_advert(from(c.source, c.priority), t0 + 4s + 100ms);
      BOOST_TEST(st(f) == (c.yields ? "BACKUP" : "MASTER"));
      BOOST_TEST(a.changed.has_value() == c.yields);
      if (c.yields) {
        BOOST_TEST((a.changed->from == state::master));
        BOOST_TEST(*f.master_address() == c.source);
        BOOST_TEST((f.next_deadline() == t0 + 4s + 100ms + f.master_down_interval()));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(
    a_master_answers_a_lower_priority_master_with_an_advert_and_arp_once_a_second) {
  fsm f(config(100));
  f.startup(t0);
  f.on_timer(t0 + 4s);
  BOOST_REQUIRE(st(f) == "MASTER");
  // A backup that believed the master dead advertises (and has sent ARP for the VIPs).
  auto a = f.on_advert(from(higher, 50), t0 + 4s + 100ms);
  BOOST_TEST(st(f) == "MASTER");
  BOOST_TEST(a.send_advert);
  BOOST_TEST(a.reannounce);
  BOOST_TEST(a.advert_priority == 100);
  BOOST_TEST((f.next_deadline() == t0 + 5s + 100ms));
  // Again within the second: discarded (RFC 5798 §6.4.3), no storm.
  auto again = f.on_advert(from(higher, 50), t0 + 4s + 600ms);
  BOOST_TEST(!again.send_advert);
  BOOST_TEST(!again.reannounce);
  auto later = f.on_advert(from(higher, 50), t0 + 5s + 200ms);
  BOOST_TEST(later.reannounce);
}

BOOST_AUTO_TEST_CASE(a_master_answers_priority_zero_with_an_advert_at_once) {
  fsm f(config(255));
  f.startup(t0);
  auto a = f.on_advert(from(lower, 0), t0 + 300ms);
  BOOST_TEST(a.send_advert);
  BOOST_TEST(st(f) == "MASTER");
  BOOST_TEST((f.next_deadline() == t0 + 1300ms));
}

BOOST_AUTO_TEST_CASE(a_higher_backup_preempts_a_lower_master) {
  auto f = backup_with_master(200, 100);
  // Its adverts are ignored: the down timer set at t0 runs out.
  f.on_advert(from(higher, 100), t0 + 1s);
  f.on_advert(from(higher, 100), t0 + 2s);
  auto a = f.on_timer(t0 + f.master_down_interval());
  BOOST_TEST(st(f) == "MASTER");
  BOOST_TEST(a.send_advert);
}

BOOST_AUTO_TEST_CASE(without_preempt_a_higher_backup_stays_backup) {
  auto f = backup_with_master(200, 100, /*preempt=*/false);
  for (int s = 1; s <= 10; ++s) {
    f.on_advert(from(higher, 100), t0 + s * 1s);
    f.on_timer(t0 + s * 1s + 500ms);
  }
  BOOST_TEST(st(f) == "BACKUP");
}

BOOST_AUTO_TEST_CASE(preempt_delay_holds_preemption_after_startup) {
  auto f = backup_with_master(200, 100, true, 5s);
  for (int s = 1; s <= 5; ++s) {  // within the delay: the lower master is accepted
    f.on_advert(from(higher, 100), t0 + s * 1s - 1ms);
    f.on_timer(t0 + s * 1s);
    BOOST_TEST(st(f) == "BACKUP");
  }
  f.on_advert(from(higher, 100), t0 + 6s);  // past it: ignored, the timer runs out
  BOOST_TEST(!f.on_timer(t0 + 5s - 1ms + f.master_down_interval() - 1ns).changed.has_value());
  f.on_timer(t0 + 5s - 1ms + f.master_down_interval());
  BOOST_TEST(st(f) == "MASTER");
}

BOOST_AUTO_TEST_CASE(shutdown_of_a_master_sends_priority_zero) {
  fsm f(config(255));
  f.startup(t0);
  auto a = f.shutdown(t0 + 1s);
  BOOST_TEST(a.send_advert);
  BOOST_TEST(a.advert_priority == 0);
  BOOST_TEST(st(f) == "INIT");
  BOOST_TEST(!f.next_deadline().has_value());
  fsm b(config(100));
  b.startup(t0);
  BOOST_TEST(!b.shutdown(t0).send_advert);  // a backup just stops
}

BOOST_AUTO_TEST_CASE(tracking_to_zero_faults_and_back_restarts) {
  fsm f(config(255));
  f.startup(t0);
  auto a = f.set_effective_priority(0, t0 + 1s);
  BOOST_TEST(st(f) == "FAULT");
  BOOST_TEST(a.send_advert);  // gives mastership away at once
  BOOST_TEST(a.advert_priority == 0);
  BOOST_TEST(!f.on_timer(t0 + 10s).send_advert);
  auto back = f.set_effective_priority(90, t0 + 20s);
  BOOST_TEST(st(f) == "BACKUP");
  BOOST_TEST((back.changed->from == state::fault));
  BOOST_TEST(f.priority() == 90);
}

BOOST_AUTO_TEST_CASE(a_lowered_priority_is_what_the_next_advert_carries) {
  fsm f(config(255));
  f.startup(t0);
  f.set_effective_priority(80, t0 + 100ms);
  BOOST_TEST(f.on_timer(t0 + 1s).advert_priority == 80);
  // And with 80 it now yields to a 100.
  f.on_advert(from(lower, 100), t0 + 1100ms);
  BOOST_TEST(st(f) == "BACKUP");
}

BOOST_AUTO_TEST_CASE(a_held_back_sync_member_waits_ready_and_goes_master_when_allowed) {
  fsm f(config(100));
  f.set_master_allowed(false, t0);
  f.startup(t0);
  BOOST_TEST(!f.on_timer(t0 + 3609375us).changed.has_value());  // timer ran out, but held
  BOOST_TEST(st(f) == "BACKUP");
  BOOST_TEST(f.wants_master());
  BOOST_TEST((f.next_deadline() == t0 + 2 * 3609375us));  // asks again after an interval
  auto a = f.set_master_allowed(true, t0 + 4s);
  BOOST_TEST(st(f) == "MASTER");
  BOOST_TEST(a.send_advert);
  BOOST_TEST(a.changed->reason == "sync group: every member ready");
}

BOOST_AUTO_TEST_CASE(an_accepted_master_makes_a_ready_member_unready) {
  fsm f(config(100));
  f.set_master_allowed(false, t0);
  f.startup(t0);
  f.on_timer(t0 + 3609375us);
  BOOST_TEST(f.wants_master());
  f.on_advert(from(higher, 200), t0 + 4s);
  BOOST_TEST(!f.wants_master());
  BOOST_TEST(!f.set_master_allowed(true, t0 + 4s).changed.has_value());  // stays backup
}

BOOST_AUTO_TEST_CASE(a_master_steps_down_when_its_group_disallows) {
  fsm f(config(255));
  f.startup(t0);
  auto a = f.set_master_allowed(false, t0 + 1s);
  BOOST_TEST(st(f) == "BACKUP");
  BOOST_TEST(a.changed->reason == "sync group: another member left MASTER");
}

BOOST_AUTO_TEST_CASE(adverts_for_another_vrid_change_nothing) {
  fsm f(config(100));
  f.startup(t0);
  auto other = from(higher, 200);
  other.vrid = 52;
  f.on_advert(other, t0 + 3s);
  f.on_timer(t0 + 3609375us);
  BOOST_TEST(st(f) == "MASTER");
}

BOOST_AUTO_TEST_SUITE_END()

#include "actors/vrrp/vrrp_sync_rule.hpp"

BOOST_AUTO_TEST_SUITE(vrrp_sync_group_tests)

BOOST_AUTO_TEST_CASE(a_group_allows_mastership_only_when_every_member_is_master_or_ready) {
  using r = member_report;
  BOOST_TEST(group_allows_master({r{"MASTER", false}, r{"BACKUP", true}}));
  BOOST_TEST(group_allows_master({r{"BACKUP", true}, r{"BACKUP", true}}));
  BOOST_TEST(
      !group_allows_master({r{"MASTER", false}, r{"BACKUP", false}}));  // one lost its election
  BOOST_TEST(!group_allows_master({r{"MASTER", false}, r{"FAULT", false}}));
  BOOST_TEST(!group_allows_master({r{"MASTER", false}, r{"", false}}));  // one has not reported yet
  BOOST_TEST(!group_allows_master({}));
}

BOOST_AUTO_TEST_SUITE_END()
