// Which timings work: heartbeat's defaults, hamesh's tight ones, and the combinations refused.
#include <boost/test/unit_test.hpp>

#include "actors/heartbeat/heartbeat_settings.hpp"

using namespace hamesh::heartbeat;
using namespace std::chrono_literals;

namespace {

heartbeat_settings tight() {
  heartbeat_settings s;
  s.keepalive = 50ms;
  s.warntime = 150ms;
  s.deadtime = 300ms;
  s.initdead = 600ms;
  s.links = {"eth1", "eth2", "mesh"};
  return s;
}

std::string keys(const std::vector<settings_problem>& ps) {
  std::string out;
  for (const settings_problem& p : ps) out += (out.empty() ? "" : ",") + p.key;
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(heartbeat_settings_suite)

BOOST_AUTO_TEST_CASE(heartbeat_defaults_and_tight_failover_settings_are_valid) {
  heartbeat_settings defaults;
  defaults.links = {"eth1"};
  BOOST_TEST((defaults.keepalive == 2s));
  BOOST_TEST((defaults.warntime == 10s));
  BOOST_TEST((defaults.deadtime == 30s));
  BOOST_TEST((defaults.initdead == 120s));
  BOOST_TEST(keys(validate(defaults)) == "");
  BOOST_TEST(keys(validate(tight())) == "");
}

BOOST_AUTO_TEST_CASE(settings_that_cannot_work_are_refused_with_the_key) {
  struct row {
    const char* name;
    void (*change)(heartbeat_settings&);
    const char* keys;
  };
  std::vector<row> rows = {
      {"keepalive 0", [](heartbeat_settings& s) { s.keepalive = 0ms; }, "keepalive"},
      {"warntime not above keepalive", [](heartbeat_settings& s) { s.warntime = 50ms; },
       "warntime"},
      {"deadtime not above warntime", [](heartbeat_settings& s) { s.deadtime = 150ms; },
       "deadtime"},
      {"deadtime under two keepalives",
       [](heartbeat_settings& s) {
         s.keepalive = 100ms;
         s.warntime = 101ms;
         s.deadtime = 199ms;
       },
       "deadtime,warntime"},
      {"no keepalive between warntime and deadtime",
       [](heartbeat_settings& s) { s.warntime = 260ms; }, "warntime"},
      {"initdead under deadtime", [](heartbeat_settings& s) { s.initdead = 299ms; }, "initdead"},
      {"no links", [](heartbeat_settings& s) { s.links.clear(); }, "links"},
      {"a link twice", [](heartbeat_settings& s) { s.links.push_back("eth1"); }, "links[3]"},
      {"a link with a space", [](heartbeat_settings& s) { s.links[1] = "eth 2"; }, "links[1]"},
      {"replay window 0", [](heartbeat_settings& s) { s.replay_window = 0; }, "replay_window"},
  };
  for (const row& r : rows) {
    heartbeat_settings s = tight();
    r.change(s);
    BOOST_TEST_CONTEXT(r.name) {
      std::vector<settings_problem> ps = validate(s);
      BOOST_TEST(keys(ps) == std::string(r.keys));
      for (const settings_problem& p : ps) BOOST_TEST(!p.why.empty());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
