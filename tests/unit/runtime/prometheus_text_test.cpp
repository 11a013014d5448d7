// The state tree as Prometheus text: one family per name with HELP/TYPE once, every actor
// labelled by node, path and kind, and each actor's own declared metrics.
#include "runtime/metrics/prometheus_text.hpp"

#include <boost/test/unit_test.hpp>

using namespace hamesh;

BOOST_AUTO_TEST_SUITE(prometheus_text_tests)

BOOST_AUTO_TEST_CASE(actors_and_their_declared_metrics_become_families) {
  actor_state t{
      "demo/ticker/a",
      "ticker/a",
      "ticker",
      "running",
      2,
      1500,
      "",
      -1,
      R"({"metrics":[{"name":"ticker_ticks_total","type":"counter","help":"Ticks.","value":7}]})",
      {}};
  actor_state failed{"demo/ticker/b", "ticker/b", "ticker", "failed", 5, -1, "x", 10, "{}", {}};
  actor_state root{"/",        "n1", "node", "degraded", 0, 61000, "", -1, R"({"degraded":true})",
                   {t, failed}};
  auto text = metrics::render_prometheus(root);
  auto has = [&](const std::string& line) {
    BOOST_TEST(text.find(line + "\n") != std::string::npos, "missing: " << line << "\n" << text);
  };
  has("# TYPE hamesh_node_degraded gauge");
  has("hamesh_node_degraded{node=\"n1\"} 1");
  has("# TYPE hamesh_actor_restarts_total counter");
  has("hamesh_actor_restarts_total{node=\"n1\",path=\"demo/ticker/a\",kind=\"ticker\"} 2");
  has("hamesh_actor_up{node=\"n1\",path=\"demo/ticker/b\",kind=\"ticker\"} 0");
  has("hamesh_actor_up{node=\"n1\",path=\"/\",kind=\"node\"} 1");
  has("hamesh_actor_uptime_seconds{node=\"n1\",path=\"demo/ticker/a\",kind=\"ticker\"} 1.5");
  has("# HELP hamesh_ticker_ticks_total Ticks.");
  has("hamesh_ticker_ticks_total{node=\"n1\",path=\"demo/ticker/a\",kind=\"ticker\"} 7");
  // TYPE appears once per family however many samples it has.
  auto first = text.find("# TYPE hamesh_actor_up gauge\n");
  BOOST_REQUIRE(first != std::string::npos);
  BOOST_TEST(text.find("# TYPE hamesh_actor_up gauge\n", first + 1) == std::string::npos);
  // A stopped actor has no uptime sample.
  BOOST_TEST(text.find("hamesh_actor_uptime_seconds{node=\"n1\",path=\"demo/ticker/b\"") ==
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(label_values_are_escaped_and_bad_declarations_skipped) {
  BOOST_TEST(metrics::escape_label("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
  actor_state a{
      "x",
      "x",
      "k",
      "running",
      0,
      0,
      "",
      -1,
      R"({"metrics":[{"name":"bad name","value":1},{"name":"no_value"},{"name":"ok","value":3,"labels":{"peer":"p\"q"}}]})",
      {}};
  actor_state root{"/", "n", "node", "running", 0, 0, "", -1, "{}", {a}};
  auto text = metrics::render_prometheus(root);
  BOOST_TEST(text.find("bad name") == std::string::npos);
  BOOST_TEST(text.find("no_value") == std::string::npos);
  BOOST_TEST(text.find("hamesh_ok{node=\"n\",path=\"x\",kind=\"k\",peer=\"p\\\"q\"} 3\n") !=
                 std::string::npos,
             text);
}

BOOST_AUTO_TEST_SUITE_END()
