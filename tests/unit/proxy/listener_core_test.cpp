// listener_core: a reload's hand-over and the retired engines, the probes' verdicts, the
// graceful stop's drain, over a fake engine that records what it was told.
#include "actors/proxy/listener_core.hpp"

#include <boost/test/unit_test.hpp>
#include <memory>
#include <utility>
#include <vector>

using namespace hamesh::proxy;

namespace {

struct fake_engine {
  int socket = 7;
  uint64_t open = 0;
  std::vector<bool> stops;  // each stop_accepting(close_idle)
  int listen_socket() const { return stops.empty() ? socket : -1; }
  uint64_t open_connections() const { return open; }
  void stop_accepting(bool close_idle) { stops.push_back(close_idle); }
};

using core = listener_core<fake_engine>;
using clock = core::clock;

std::unique_ptr<fake_engine> engine(int socket, uint64_t open) {
  auto e = std::make_unique<fake_engine>();
  e->socket = socket;
  e->open = open;
  return e;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(listener_core_suite)

BOOST_AUTO_TEST_CASE(a_reload_retires_the_old_engine_until_it_is_done_or_its_deadline) {
  core c(engine(7, 3));
  fake_engine* first = &c.engine();
  BOOST_TEST(c.socket_to_hand_over(true) == 7);
  BOOST_TEST(c.socket_to_hand_over(false) == -1);
  auto t0 = clock::now();
  BOOST_TEST(c.replace(engine(8, 0), t0 + std::chrono::seconds(10)) == 3u);
  BOOST_TEST(c.reloads() == 1u);
  BOOST_TEST(c.engine().socket == 8);
  BOOST_TEST(first->stops == std::vector<bool>{false});  // idle clients keep their requests
  BOOST_TEST(c.retiring());
  BOOST_TEST(c.retiring_open() == 3u);
  BOOST_TEST(c.open_connections() == 3u);
  BOOST_TEST(c.sweep_retired(t0) == 0u);  // still busy, before its deadline
  first->open = 0;
  BOOST_TEST(c.sweep_retired(t0) == 0u);  // done: dropped, nothing cut
  BOOST_TEST(!c.retiring());

  fake_engine* second = &c.engine();
  second->open = 2;
  c.replace(engine(9, 0), t0 + std::chrono::seconds(1));
  BOOST_TEST(c.sweep_retired(t0 + std::chrono::seconds(1)) == 2u);  // past its deadline: cut
  BOOST_TEST(!c.retiring());
}

BOOST_AUTO_TEST_CASE(verdicts_name_their_target_and_say_when_they_change) {
  core c(engine(7, 0));
  c.set_probe_targets({{"lb/probe/a", {0, 1}}, {"lb/probe/b", {2, 0}}});
  BOOST_TEST(!c.on_verdict("lb/probe/other", "down"));
  auto said = [&](const char* verdict) {
    auto v = c.on_verdict("lb/probe/a", verdict);
    BOOST_REQUIRE(v.has_value());
    BOOST_TEST((v->of == core::target{0, 1}));
    return std::make_pair(v->up, v->changed);
  };
  BOOST_TEST((said("up") == std::make_pair(true, false)));  // no verdict yet counts as up
  BOOST_TEST((said("down") == std::make_pair(false, true)));
  BOOST_TEST((said("down") == std::make_pair(false, false)));
  BOOST_TEST((said("unknown") == std::make_pair(true, true)));  // only "down" is down
  c.on_verdict("lb/probe/b", "down");

  std::vector<std::pair<core::target, bool>> seen;
  c.for_each_verdict([&](core::target t, bool up) { seen.push_back({t, up}); });
  BOOST_TEST(seen.size() == 2u);
  // A reload drops probe b: its verdict is forgotten, a's is kept for the new engine.
  c.set_probe_targets({{"lb/probe/a", {0, 1}}});
  seen.clear();
  c.for_each_verdict([&](core::target t, bool up) { seen.push_back({t, up}); });
  BOOST_TEST(seen.size() == 1u);
  BOOST_TEST((seen[0].first == core::target{0, 1} && seen[0].second));
  BOOST_TEST(!c.on_verdict("lb/probe/b", "up"));
}

BOOST_AUTO_TEST_CASE(a_stop_closes_idle_clients_everywhere_and_drains_until_empty_or_late) {
  core c(engine(7, 1));
  fake_engine* old = &c.engine();
  c.replace(engine(8, 2), clock::now() + std::chrono::minutes(10));
  BOOST_TEST(c.stop_accepting() == 3u);
  BOOST_TEST(c.engine().stops == std::vector<bool>{true});
  BOOST_TEST((old->stops == std::vector<bool>{false, true}));
  auto t0 = clock::now();
  c.begin_drain(t0 + std::chrono::seconds(3));
  BOOST_TEST(!c.drained(t0));
  BOOST_TEST(c.drained(t0 + std::chrono::seconds(3)));  // late: whatever is open is cut
  old->open = 0;
  c.engine().open = 0;
  BOOST_TEST(c.drained(t0));
}

BOOST_AUTO_TEST_SUITE_END()
