// The ordered resource list: takeover, rollback, fencing policy, release, the timeline.
// A scripted shell answers each step; the order of the steps it was asked to run is the
// thing under test.
#include <boost/test/unit_test.hpp>

#include <map>

#include "actors/heartbeat/takeover_plan.hpp"

using namespace hamesh::heartbeat;
using namespace std::chrono_literals;

namespace {

const time_point t0{std::chrono::seconds(100)};

takeover_settings storage_pair(fence_policy policy = fence_policy::required) {
  takeover_settings s;
  s.fence = resource_step{resource_kind::fence, "fence/ipmi-b", 10s};
  s.fencing = policy;
  s.resources = {{resource_kind::promote_replica, "replica/vol0", 5s},
                 {resource_kind::service_ip, "ip/192.0.2.10", 3s},
                 {resource_kind::agent, "agent/dovecot", 20s}};
  return s;
}

// Answers "action:name" from the script (ok when absent), 10 ms per step.
struct shell {
  std::map<std::string, step_outcome> script;
  std::vector<std::string> asked;
  time_point now = t0;

  run_result drive(takeover_plan& plan, plan_progress p) {
    BOOST_TEST_REQUIRE((p.error == heartbeat_errc::none));
    while (p.next) {
      std::string key = std::string(to_string(p.next->action)) + ":" + p.next->step.name;
      asked.push_back(key);
      now += 10ms;
      auto it = script.find(key);
      p = plan.on_outcome(p.next->ticket, it == script.end() ? step_outcome{} : it->second, now);
      BOOST_TEST_REQUIRE((p.error == heartbeat_errc::none));
    }
    BOOST_TEST_REQUIRE(p.finished.has_value());
    return *p.finished;
  }
  std::string steps() const {
    std::string out;
    for (const std::string& s : asked) out += (out.empty() ? "" : " ") + s;
    return out;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(takeover_plan_suite)

BOOST_AUTO_TEST_CASE(takeover_fences_then_starts_in_order) {
  takeover_plan plan(storage_pair());
  shell sh;
  run_result r = sh.drive(plan, plan.start_takeover(sh.now, "peer b dead", true));
  BOOST_TEST(to_string(r) == "serving");
  BOOST_TEST(sh.steps() ==
             "start:fence/ipmi-b start:replica/vol0 start:ip/192.0.2.10 start:agent/dovecot");
  BOOST_TEST(plan.holds_all());
  const plan_run& run = *plan.last_takeover();
  BOOST_TEST(run.summary == "takeover complete");
  BOOST_TEST(run.reason == "peer b dead");
  BOOST_TEST(run.timeline.size() == 4u);
  BOOST_TEST((run.timeline[1].started == t0 + 10ms));
  BOOST_TEST((run.timeline[1].ended == t0 + 20ms));
  BOOST_TEST((*run.ended == t0 + 40ms));
}

BOOST_AUTO_TEST_CASE(a_graceful_takeover_does_not_fence) {
  takeover_plan plan(storage_pair());
  shell sh;
  sh.drive(plan, plan.start_takeover(sh.now, "peer released", false));
  BOOST_TEST(sh.steps() == "start:replica/vol0 start:ip/192.0.2.10 start:agent/dovecot");
}

BOOST_AUTO_TEST_CASE(takeover_rolls_back_in_reverse_when_a_step_fails) {
  struct row {
    const char* failing;
    step_outcome outcome;
    const char* steps;
    const char* summary;
  };
  std::vector<row> rows = {
      {"start:agent/dovecot",
       {step_status::failed, "exit status 1"},
       "start:fence/ipmi-b start:replica/vol0 start:ip/192.0.2.10 start:agent/dovecot "
       "stop:agent/dovecot stop:ip/192.0.2.10 stop:replica/vol0",
       "takeover failed at agent/dovecot: exit status 1, rolled back"},
      {"start:ip/192.0.2.10",
       {step_status::timed_out, ""},
       "start:fence/ipmi-b start:replica/vol0 start:ip/192.0.2.10 stop:ip/192.0.2.10 "
       "stop:replica/vol0",
       "takeover failed at ip/192.0.2.10: timed out after 3s, rolled back"},
      {"start:replica/vol0",
       {step_status::failed, "peer is primary"},
       "start:fence/ipmi-b start:replica/vol0 stop:replica/vol0",
       "takeover failed at replica/vol0: peer is primary, rolled back"},
  };
  for (const row& r : rows) {
    BOOST_TEST_CONTEXT(r.failing) {
      takeover_plan plan(storage_pair());
      shell sh;
      sh.script[r.failing] = r.outcome;
      BOOST_TEST(to_string(sh.drive(plan, plan.start_takeover(sh.now, "peer dead", true))) ==
                 "failed_rolled_back");
      BOOST_TEST(sh.steps() == std::string(r.steps));
      BOOST_TEST(plan.last_takeover()->summary == std::string(r.summary));
      BOOST_TEST(!plan.holds_any());
      for (const timeline_entry& e : plan.last_takeover()->timeline)
        BOOST_TEST(e.rollback == (e.action == step_action::stop));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_failed_stop_during_rollback_is_reported_and_the_rest_still_stop) {
  takeover_plan plan(storage_pair());
  shell sh;
  sh.script["start:agent/dovecot"] = {step_status::failed, "exit status 1"};
  sh.script["stop:ip/192.0.2.10"] = {step_status::failed, "RTNETLINK: operation not permitted"};
  BOOST_TEST(to_string(sh.drive(plan, plan.start_takeover(sh.now, "peer dead", true))) ==
             "rollback_incomplete");
  BOOST_TEST(sh.asked.back() == "stop:replica/vol0");
  BOOST_TEST(plan.last_takeover()->summary ==
             "takeover failed at agent/dovecot: exit status 1, rollback incomplete: stop of "
             "ip/192.0.2.10 failed: RTNETLINK: operation not permitted");
  BOOST_TEST((plan.held() == (std::vector<bool>{false, true, false})));
}

BOOST_AUTO_TEST_CASE(fencing_failure_with_fence_required_never_promotes) {
  for (step_status how : {step_status::failed, step_status::timed_out}) {
    takeover_plan plan(storage_pair(fence_policy::required));
    shell sh;
    sh.script["start:fence/ipmi-b"] = {how, how == step_status::failed ? "no route to BMC" : ""};
    BOOST_TEST(to_string(sh.drive(plan, plan.start_takeover(sh.now, "peer dead", true))) ==
               "refused_fencing_failed");
    BOOST_TEST(sh.steps() == "start:fence/ipmi-b");
    BOOST_TEST(!plan.holds_any());
    BOOST_TEST(plan.last_takeover()->summary.rfind("takeover refused: fencing failed", 0) == 0u);
  }
}

BOOST_AUTO_TEST_CASE(fencing_failure_with_best_effort_goes_on_and_says_so) {
  takeover_plan plan(storage_pair(fence_policy::best_effort));
  shell sh;
  sh.script["start:fence/ipmi-b"] = {step_status::failed, "no route to BMC"};
  BOOST_TEST(to_string(sh.drive(plan, plan.start_takeover(sh.now, "peer dead", true))) ==
             "serving");
  BOOST_TEST(plan.holds_all());
  BOOST_TEST(plan.last_takeover()->summary ==
             "takeover complete; fencing failed (best effort policy)");
}

BOOST_AUTO_TEST_CASE(release_stops_in_reverse_and_goes_on_past_a_failed_stop) {
  takeover_plan plan(storage_pair());
  shell sh;
  sh.drive(plan, plan.start_takeover(sh.now, "peer dead", true));
  sh.asked.clear();
  BOOST_TEST(to_string(sh.drive(plan, plan.start_release(sh.now, "node degraded"))) == "released");
  BOOST_TEST(sh.steps() == "stop:agent/dovecot stop:ip/192.0.2.10 stop:replica/vol0");
  BOOST_TEST(!plan.holds_any());

  takeover_plan second(storage_pair());
  shell sh2;
  sh2.drive(second, second.start_takeover(sh2.now, "peer dead", true));
  sh2.asked.clear();
  sh2.script["stop:agent/dovecot"] = {step_status::timed_out, ""};
  BOOST_TEST(to_string(sh2.drive(second, second.start_release(sh2.now, "auto_failback"))) ==
             "release_incomplete");
  BOOST_TEST(sh2.steps() == "stop:agent/dovecot stop:ip/192.0.2.10 stop:replica/vol0");
  BOOST_TEST((second.held() == (std::vector<bool>{false, false, true})));
  BOOST_TEST(second.last_release()->summary ==
             "release incomplete: stop of agent/dovecot failed: timed out after 20s");
}

BOOST_AUTO_TEST_CASE(releasing_nothing_or_taking_what_is_held_ends_at_once) {
  takeover_plan plan(storage_pair());
  plan_progress p = plan.start_release(t0, "nothing held");
  BOOST_TEST(!p.next);
  BOOST_TEST(to_string(*p.finished) == "released");
  shell sh;
  sh.drive(plan, plan.start_takeover(sh.now, "peer dead", true));
  p = plan.start_takeover(sh.now, "again", true);
  BOOST_TEST(!p.next);  // no fencing either: nothing to protect
  BOOST_TEST(to_string(*p.finished) == "serving");
}

BOOST_AUTO_TEST_CASE(check_asks_status_of_held_resources) {
  takeover_plan plan(storage_pair());
  shell sh;
  sh.drive(plan, plan.start_takeover(sh.now, "peer dead", false));
  sh.asked.clear();
  sh.script["status:ip/192.0.2.10"] = {step_status::failed, "address missing"};
  BOOST_TEST(to_string(sh.drive(plan, plan.start_check(sh.now, "periodic"))) == "unhealthy");
  BOOST_TEST(sh.steps() == "status:replica/vol0 status:ip/192.0.2.10 status:agent/dovecot");
  BOOST_TEST(plan.last_check()->summary == "status of ip/192.0.2.10 failed: address missing");
  BOOST_TEST(plan.holds_all());  // a check changes nothing
}

BOOST_AUTO_TEST_CASE(one_run_at_a_time_and_stale_outcomes_are_ignored) {
  takeover_plan plan(storage_pair());
  plan_progress first = plan.start_takeover(t0, "peer dead", true);
  BOOST_TEST_REQUIRE(first.next.has_value());
  BOOST_TEST(to_string(plan.start_release(t0, "degraded").error) == "plan_busy");
  BOOST_TEST(to_string(plan.on_outcome(first.next->ticket + 1, {}, t0).error) == "stale_outcome");
  BOOST_TEST(plan.pending()->ticket == first.next->ticket);
  plan_progress second = plan.on_outcome(first.next->ticket, {}, t0 + 1ms);
  BOOST_TEST(second.next->step.name == "replica/vol0");
  // The old ticket again: the fence outcome came twice.
  BOOST_TEST(to_string(plan.on_outcome(first.next->ticket, {}, t0 + 2ms).error) == "stale_outcome");
}

BOOST_AUTO_TEST_CASE(settings_that_cannot_work_are_refused) {
  struct row {
    const char* name;
    void (*change)(takeover_settings&);
    size_t problems;
  };
  std::vector<row> rows = {
      {"valid", [](takeover_settings&) {}, 0},
      {"required fencing without a fence", [](takeover_settings& s) { s.fence.reset(); }, 1},
      {"best effort without a fence",
       [](takeover_settings& s) {
         s.fence.reset();
         s.fencing = fence_policy::best_effort;
       },
       0},
      {"a fence in the list",
       [](takeover_settings& s) { s.resources[0].kind = resource_kind::fence; }, 1},
      {"two resources of one name",
       [](takeover_settings& s) { s.resources[2].name = "replica/vol0"; }, 1},
      {"no timeout", [](takeover_settings& s) { s.resources[1].timeout = 0s; }, 1},
  };
  for (const row& r : rows) {
    takeover_settings s = storage_pair();
    r.change(s);
    BOOST_TEST_CONTEXT(r.name) {
      BOOST_TEST(validate(s).size() == r.problems);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
