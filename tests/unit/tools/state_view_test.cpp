// What hameshctl prints for people: durations, the tree table, one actor.
#include "tools/hameshctl/state_view.hpp"

#include <boost/test/unit_test.hpp>

using namespace hamesh;

BOOST_AUTO_TEST_SUITE(state_view_tests)

BOOST_AUTO_TEST_CASE(durations_are_short_and_keep_the_significant_units) {
  BOOST_TEST(ctl::human_duration_ms(-1) == "-");
  BOOST_TEST(ctl::human_duration_ms(850) == "850ms");
  BOOST_TEST(ctl::human_duration_ms(12'340) == "12.3s");
  BOOST_TEST(ctl::human_duration_ms(5 * 60'000 + 2'000) == "5m02s");
  BOOST_TEST(ctl::human_duration_ms(3 * 3'600'000 + 4 * 60'000) == "3h04m");
  BOOST_TEST(ctl::human_duration_ms(2 * 86'400'000LL + 3 * 3'600'000) == "2d03h");
}

BOOST_AUTO_TEST_CASE(the_tree_table_has_one_aligned_row_per_actor_depth_first) {
  actor_state leaf{"demo/ticker/a",   "ticker/a", "ticker", "running", 2, 1500,
                   "crash requested", 900,        "{}",     {}};
  actor_state sub{"demo", "demo", "supervisor", "running", 0, 60'000, "", -1, "{}", {leaf}};
  actor_state root{"/", "n1", "node", "degraded", 0, 61'000, "", -1, "{}", {sub}};
  auto table = ctl::render_tree(root);
  BOOST_TEST(
      table ==
      "PATH           KIND        STATUS    RESTARTS  UPTIME  LAST FAILURE\n"
      "/              node        degraded  0         1m01s\n"
      "demo           supervisor  running   0         1m00s\n"
      "demo/ticker/a  ticker      running   2         1.5s    crash requested (900ms ago)\n");
}

BOOST_AUTO_TEST_CASE(one_actor_shows_its_own_fields) {
  actor_state a{"demo/ticker/a",
                "ticker/a",
                "ticker",
                "running",
                0,
                10,
                "",
                -1,
                R"({"ticks":7,"interval":"1s"})",
                {}};
  auto text = ctl::render_actor(a);
  BOOST_TEST(text.find("ticks         7\n") != std::string::npos, text);
  BOOST_TEST(text.find("interval      1s\n") != std::string::npos, text);
  BOOST_TEST(text.find("last failure  -\n") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(json_carries_path_kind_status_restarts_for_every_actor) {
  actor_state leaf{"demo/ticker/a", "ticker/a", "ticker", "running", 1, 5, "", -1, "not json", {}};
  actor_state root{"/", "n1", "node", "running", 0, 5, "", -1, "{}", {leaf}};
  auto json = to_json(root);
  BOOST_TEST(json.find(R"("path":"demo/ticker/a")") != std::string::npos, json);
  BOOST_TEST(json.find(R"("restarts":1)") != std::string::npos, json);
  // A broken fields document is carried as text, not dropped and not fatal.
  BOOST_TEST(json.find(R"("unparsable_fields":"not json")") != std::string::npos, json);
  BOOST_TEST(find_path(root, "demo/ticker/a") == &root.children[0]);
  BOOST_TEST(find_path(root, "nope") == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
