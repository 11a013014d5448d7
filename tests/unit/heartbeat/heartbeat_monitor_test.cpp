// The timing of one peer over N links, driven by hand: tight settings (keepalive 50ms,
// warntime 150ms, deadtime 300ms, initdead 600ms), the kind hamesh's 500 ms failover needs.
#include <boost/test/unit_test.hpp>

#include "actors/heartbeat/heartbeat_monitor.hpp"

using namespace hamesh::heartbeat;
using namespace std::chrono_literals;
using hamesh::duration;

namespace {

const time_point t0{std::chrono::seconds(5000)};

heartbeat_settings tight(size_t links = 2) {
  heartbeat_settings s;
  s.keepalive = 50ms;
  s.warntime = 150ms;
  s.deadtime = 300ms;
  s.initdead = 600ms;
  const char* names[] = {"eth1", "eth2", "mesh"};
  for (size_t i = 0; i < links; ++i) s.links.push_back(names[i]);
  return s;
}

heartbeat_message hb(uint64_t seq, uint64_t gen = 1, const std::string& link = "") {
  heartbeat_message m;
  m.node = "b";
  m.pair = "p1";
  m.generation = gen;
  m.sequence = seq;
  m.role = heartbeat_role::primary;
  m.link = link;
  return m;
}

std::string kinds(const std::vector<monitor_event>& es) {
  std::string out;
  for (const monitor_event& e : es) {
    out += out.empty() ? "" : ",";
    out += to_string(e.kind);
    if (e.link) out += "@" + std::to_string(*e.link);
  }
  return out;
}

// A peer sending every keepalive on the links in `up` (first link in the list gets the
// first copy), ticking every 5 ms, collecting every event.
struct sim {
  heartbeat_monitor monitor{tight(), t0};
  time_point now = t0;
  uint64_t seq = 0;
  std::vector<monitor_event> events;

  void run(duration for_how_long, std::vector<size_t> up, bool sending = true) {
    time_point end = now + for_how_long;
    while (now < end) {
      now += 5ms;
      if (sending && (now - t0) % 50ms == duration::zero()) {
        ++seq;
        bool first = true;
        for (size_t l : up) {
          auto es = monitor.on_heartbeat(l, hb(seq), first, now);
          events.insert(events.end(), es.begin(), es.end());
          first = false;
        }
      }
      auto es = monitor.on_tick(now);
      events.insert(events.end(), es.begin(), es.end());
    }
  }
  std::vector<monitor_event> take() { return std::exchange(events, {}); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(heartbeat_monitor_suite)

BOOST_AUTO_TEST_CASE(peer_is_alive_on_its_first_heartbeat) {
  heartbeat_monitor m(tight(), t0);
  BOOST_TEST(to_string(m.peer()) == "unknown");
  auto es = m.on_heartbeat(0, hb(1, 9), true, t0 + 20ms);
  BOOST_TEST(kinds(es) == "peer_alive");
  BOOST_TEST(es[0].generation == 9u);
  BOOST_TEST(to_string(m.peer()) == "alive");
  BOOST_TEST(to_string(m.links()[0].state) == "up");
  BOOST_TEST(to_string(m.links()[1].state) == "unknown");
  BOOST_TEST(m.peer_generation() == 9u);
}

BOOST_AUTO_TEST_CASE(peer_is_dead_after_deadtime_on_every_link) {
  sim s;
  s.run(1s, {0, 1});
  BOOST_TEST(kinds(s.take()) == "peer_alive");
  time_point last = s.now;  // t0 + 1s: a round was just sent
  s.run(295ms, {}, false);
  BOOST_TEST(kinds(s.take()) == "peer_suspected");
  BOOST_TEST(to_string(s.monitor.peer()) == "suspected");
  auto dead = s.monitor.on_tick(last + 299ms);
  BOOST_TEST(dead.empty());
  dead = s.monitor.on_tick(last + 300ms);
  BOOST_TEST_REQUIRE(kinds(dead) == "peer_dead");
  BOOST_TEST((dead[0].silence == 300ms));
  BOOST_TEST(!dead[0].never_heard);
  // Exactly once, and no link is blamed for it.
  s.now = last + 300ms;
  s.run(2s, {}, false);
  BOOST_TEST(kinds(s.take()) == "");
  BOOST_TEST(s.monitor.deaths() == 1u);
  for (const link_status& l : s.monitor.links()) {
    BOOST_TEST(l.failures == 0u);
    BOOST_TEST(to_string(l.state) == "unknown");
  }
  BOOST_TEST(!s.monitor.next_deadline());
}

BOOST_AUTO_TEST_CASE(a_dying_peer_whose_last_heartbeat_was_lost_on_one_link_is_not_a_link_failure) {
  sim s;
  s.run(1s, {0, 1});
  s.run(50ms, {0});  // the last round reached link 0 only
  s.run(1s, {}, false);
  BOOST_TEST(kinds(s.take()) == "peer_alive,peer_suspected,peer_dead");
}

BOOST_AUTO_TEST_CASE(one_silent_link_is_a_link_failure_not_a_dead_peer) {
  sim s;
  s.run(1s, {0, 1});
  s.take();
  time_point link1_last = s.now;
  s.run(2s, {0});
  auto es = s.take();
  BOOST_TEST_REQUIRE(kinds(es) == "link_failed@1");
  BOOST_TEST((es[0].at == link1_last + 300ms));
  BOOST_TEST((es[0].silence == 300ms));
  BOOST_TEST(to_string(s.monitor.peer()) == "alive");
  BOOST_TEST(to_string(s.monitor.links()[1].state) == "failed");
  BOOST_TEST(s.monitor.links()[1].failures == 1u);
  // The link comes back.
  s.run(100ms, {0, 1});
  BOOST_TEST(kinds(s.take()) == "link_restored@1");
  BOOST_TEST(to_string(s.monitor.links()[1].state) == "up");
}

BOOST_AUTO_TEST_CASE(a_link_never_heard_fails_a_deadtime_after_the_peer_came_up) {
  sim s;
  s.run(2s, {0});
  auto es = s.take();
  BOOST_TEST_REQUIRE(kinds(es) == "peer_alive,link_failed@1");
  BOOST_TEST((es[1].at == es[0].at + 300ms));
}

BOOST_AUTO_TEST_CASE(peer_state_follows_the_silence_on_all_links) {
  struct row {
    duration silence;
    const char* state;
  };
  for (row r : {row{149ms, "alive"}, row{150ms, "suspected"}, row{299ms, "suspected"},
                row{300ms, "dead"}, row{10s, "dead"}}) {
    heartbeat_monitor m(tight(), t0);
    m.on_heartbeat(0, hb(1), true, t0);
    m.on_heartbeat(1, hb(1), false, t0);
    m.on_tick(t0 + r.silence);
    BOOST_TEST_CONTEXT(r.silence.count()) {
      BOOST_TEST(to_string(m.peer()) == r.state);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_late_heartbeat_recovers_a_suspected_peer) {
  heartbeat_monitor m(tight(), t0);
  m.on_heartbeat(0, hb(1), true, t0);
  BOOST_TEST(kinds(m.on_tick(t0 + 200ms)) == "peer_suspected");
  auto es = m.on_heartbeat(1, hb(2), true, t0 + 250ms);
  BOOST_TEST_REQUIRE(kinds(es) == "peer_recovered");
  BOOST_TEST((es[0].silence == 250ms));
  BOOST_TEST(m.late_heartbeats() == 1u);
  BOOST_TEST(to_string(m.peer()) == "alive");
}

BOOST_AUTO_TEST_CASE(a_peer_never_heard_is_dead_at_initdead) {
  heartbeat_monitor m(tight(), t0);
  BOOST_TEST((*m.next_deadline() == t0 + 600ms));
  BOOST_TEST(m.on_tick(t0 + 599ms).empty());
  auto es = m.on_tick(t0 + 600ms);
  BOOST_TEST_REQUIRE(kinds(es) == "peer_dead");
  BOOST_TEST(es[0].never_heard);
  // Its first heartbeat later is a return from the dead, and a start we never saw.
  es = m.on_heartbeat(0, hb(1, 4), true, t0 + 900ms);
  BOOST_TEST_REQUIRE(kinds(es) == "peer_returned");
  BOOST_TEST(es[0].restarted);
}

BOOST_AUTO_TEST_CASE(a_returning_peer_says_whether_it_restarted) {
  struct row {
    uint64_t generation_on_return;
    bool restarted;
  };
  for (row r : {row{1, false}, row{2, true}}) {
    heartbeat_monitor m(tight(), t0);
    m.on_heartbeat(0, hb(7, 1), true, t0);
    BOOST_TEST(kinds(m.on_tick(t0 + 400ms)) == "peer_dead");
    auto es = m.on_heartbeat(0, hb(r.generation_on_return == 1 ? 8 : 1, r.generation_on_return),
                             true, t0 + 1s);
    BOOST_TEST_REQUIRE(kinds(es) == "peer_returned");
    BOOST_TEST(es[0].restarted == r.restarted);
    BOOST_TEST(es[0].generation == r.generation_on_return);
  }
}

BOOST_AUTO_TEST_CASE(a_restart_faster_than_deadtime_is_reported) {
  heartbeat_monitor m(tight(), t0);
  m.on_heartbeat(0, hb(500, 1), true, t0);
  auto es = m.on_heartbeat(0, hb(1, 2), true, t0 + 120ms);
  BOOST_TEST_REQUIRE(kinds(es) == "peer_restarted");
  BOOST_TEST(es[0].restarted);
  BOOST_TEST(m.deaths() == 0u);
}

BOOST_AUTO_TEST_CASE(a_heartbeat_after_deadtime_applies_the_death_first) {
  // The actor's timer fired late: the heartbeat comes in at 350 ms with no tick since 0.
  heartbeat_monitor m(tight(), t0);
  m.on_heartbeat(0, hb(1), true, t0);
  auto es = m.on_heartbeat(0, hb(2), true, t0 + 350ms);
  BOOST_TEST(kinds(es) == "peer_dead,peer_returned");
  BOOST_TEST(m.deaths() == 1u);
}

BOOST_AUTO_TEST_CASE(later_copies_keep_their_link_up_but_not_the_peer_alive) {
  heartbeat_monitor m(tight(), t0);
  m.on_heartbeat(0, hb(1), true, t0);
  m.on_heartbeat(1, hb(1), false, t0 + 1ms);
  // Link 1 keeps delivering copies of old heartbeats (a lagging path); nothing new arrives.
  for (auto at : {100ms, 200ms, 290ms}) m.on_heartbeat(1, hb(1), false, t0 + at);
  BOOST_TEST(kinds(m.on_tick(t0 + 300ms)) == "peer_dead");
  BOOST_TEST(m.links()[1].later_copies == 4u);
  BOOST_TEST(m.links()[0].first_copies == 1u);
}

BOOST_AUTO_TEST_CASE(next_deadline_is_the_earliest_thing_to_check) {
  heartbeat_monitor m(tight(), t0);
  m.on_heartbeat(0, hb(1), true, t0);
  m.on_heartbeat(1, hb(1), false, t0);
  BOOST_TEST((*m.next_deadline() == t0 + 150ms));  // warntime
  // Link 1 goes quiet after 100 ms while link 0 keeps going: its deadtime comes first.
  m.on_heartbeat(1, hb(2), false, t0 + 100ms);
  for (auto at = 50ms; at <= 350ms; at += 50ms) m.on_heartbeat(0, hb(at / 50ms + 1), true, t0 + at);
  BOOST_TEST((*m.next_deadline() == t0 + 400ms));
  BOOST_TEST(kinds(m.on_tick(t0 + 399ms)) == "");
  BOOST_TEST(kinds(m.on_tick(t0 + 400ms)) == "link_failed@1");
  BOOST_TEST((*m.next_deadline() == t0 + 500ms));  // link 1 is failed: warntime only
}

BOOST_AUTO_TEST_CASE(the_peer_hears_us_when_it_echoes_our_generation) {
  heartbeat_monitor m(tight(), t0);
  BOOST_TEST(!m.peer_hears(42));
  heartbeat_message h = hb(1);
  m.on_heartbeat(0, h, true, t0);
  BOOST_TEST(!m.peer_hears(42));  // it has not heard us yet (echoes 0)
  h.sequence = 2;
  h.peer_generation = 41;  // a capture from before our last start
  m.on_heartbeat(0, h, true, t0 + 50ms);
  BOOST_TEST(!m.peer_hears(42));
  h.sequence = 3;
  h.peer_generation = 42;
  m.on_heartbeat(0, h, true, t0 + 100ms);
  BOOST_TEST(m.peer_hears(42));
}

BOOST_AUTO_TEST_CASE(crossed_links_are_counted_but_still_heard) {
  heartbeat_monitor m(tight(), t0);
  m.on_heartbeat(0, hb(1, 1, "eth2"), true, t0);
  BOOST_TEST(m.links()[0].crossed == 1u);
  BOOST_TEST(to_string(m.peer()) == "alive");
}

BOOST_AUTO_TEST_CASE(tight_settings_declare_a_crashed_peer_dead_within_500ms) {
  sim s;
  s.run(1s, {0, 1});
  time_point crash = s.now;  // right after a round
  s.take();
  // Ticking only at next_deadline(), as the actor does.
  std::vector<monitor_event> es;
  while (es.empty()) {
    std::optional<time_point> at = s.monitor.next_deadline();
    BOOST_TEST_REQUIRE(at.has_value());
    for (const monitor_event& e : s.monitor.on_tick(*at))
      if (e.kind == monitor_event_kind::peer_dead) es.push_back(e);
  }
  BOOST_TEST((es[0].at - crash <= 500ms));
  BOOST_TEST((es[0].at - crash == 300ms));
}

BOOST_AUTO_TEST_SUITE_END()
