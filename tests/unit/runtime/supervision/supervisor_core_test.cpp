// The supervisor's decisions, driven by hand-made time: strategies, restart types,
// intensity windows, escalation, operator restarts and reloads.
#include "runtime/supervision/supervisor_core.hpp"

#include <boost/test/unit_test.hpp>

using namespace hamesh::supervision;
using namespace std::chrono_literals;

namespace {

using outcome = exit_decision::outcome;
const time_point t0{std::chrono::hours(1)};

child_info child(std::string name, restart_type r = restart_type::permanent,
                 std::string fp = "v1") {
  return {std::move(name), "ticker", r, std::move(fp)};
}

step start(std::string n) {
  return {step::action::start, std::move(n)};
}
step stop(std::string n) {
  return {step::action::stop, std::move(n)};
}

// A core whose children have all been started at t0.
supervisor_core started_core(strategy s, restart_intensity i, std::vector<child_info> children,
                             bool is_root = false) {
  supervisor_core core(s, i, std::move(children), is_root);
  for (auto& st : core.start_all()) core.started(st.child, t0);
  return core;
}

std::vector<child_info> abc() {
  return {child("a"), child("b"), child("c")};
}

std::ostream& operator<<(std::ostream& os, const step& s) {
  return os << (s.what == step::action::start ? "start " : "stop ") << s.child;
}

}  // namespace

namespace std {
ostream& operator<<(ostream& os, const vector<step>& v) {
  os << "[";
  for (auto& s : v) ::operator<<(os, s) << ";";
  return os << "]";
}
}  // namespace std

BOOST_AUTO_TEST_SUITE(supervisor_core_tests)

BOOST_AUTO_TEST_CASE(children_start_in_order_and_stop_in_reverse) {
  supervisor_core core(strategy::one_for_one, {}, abc());
  BOOST_TEST(core.start_all() == (std::vector<step>{start("a"), start("b"), start("c")}));
  BOOST_TEST(core.start_all().empty());  // already running: nothing to do twice
  BOOST_TEST(core.stop_all() == (std::vector<step>{stop("c"), stop("b"), stop("a")}));
  BOOST_TEST(core.stop_all().empty());
}

BOOST_AUTO_TEST_CASE(one_for_one_restarts_only_the_failed_child) {
  auto core = started_core(strategy::one_for_one, {3, 10s}, abc());
  auto d = core.exited("b", true, "boom", t0 + 1s);
  BOOST_TEST((d.result == outcome::restarted));
  BOOST_TEST(d.steps == (std::vector<step>{start("b")}));
  BOOST_TEST(core.find("b")->restarts == 1u);
  BOOST_TEST(core.find("b")->last_failure == "boom");
  BOOST_TEST((core.find("b")->last_failure_at == t0 + 1s));
  BOOST_TEST(core.find("a")->restarts == 0u);
  BOOST_TEST(core.find("c")->restarts == 0u);
}

BOOST_AUTO_TEST_CASE(one_for_all_stops_siblings_in_reverse_then_starts_all_in_order) {
  auto core = started_core(strategy::one_for_all, {3, 10s}, abc());
  auto d = core.exited("b", true, "boom", t0 + 1s);
  BOOST_TEST((d.result == outcome::restarted));
  BOOST_TEST(d.steps ==
             (std::vector<step>{stop("c"), stop("a"), start("a"), start("b"), start("c")}));
  for (auto n : {"a", "b", "c"}) BOOST_TEST(core.find(n)->restarts == 1u);
  // One failure is one restart for the intensity, however many children it took down.
  BOOST_TEST(core.restarts_in_window(t0 + 1s) == 1u);
}

BOOST_AUTO_TEST_CASE(rest_for_one_restarts_the_failed_child_and_those_started_after_it) {
  auto core = started_core(strategy::rest_for_one, {3, 10s},
                           {child("a"), child("b"), child("c"), child("d")});
  auto d = core.exited("b", true, "boom", t0 + 1s);
  BOOST_TEST(d.steps ==
             (std::vector<step>{stop("d"), stop("c"), start("b"), start("c"), start("d")}));
  BOOST_TEST(core.find("a")->restarts == 0u);
  BOOST_TEST((core.find("a")->status == child_status::running));
}

BOOST_AUTO_TEST_CASE(rest_for_one_failure_of_the_last_child_touches_no_sibling) {
  auto core = started_core(strategy::rest_for_one, {3, 10s}, abc());
  BOOST_TEST(core.exited("c", true, "boom", t0).steps == (std::vector<step>{start("c")}));
}

struct restart_case {
  restart_type type;
  bool failure;
  bool restarted;
};

BOOST_AUTO_TEST_CASE(restart_types_decide_which_exits_restart) {
  // OTP semantics: permanent always, transient only after a failure, temporary never.
  const restart_case cases[] = {
      {restart_type::permanent, true, true},  {restart_type::permanent, false, true},
      {restart_type::transient, true, true},  {restart_type::transient, false, false},
      {restart_type::temporary, true, false}, {restart_type::temporary, false, false},
  };
  for (auto& c : cases) {
    auto core = started_core(strategy::one_for_one, {3, 10s}, {child("x", c.type)});
    auto d = core.exited("x", c.failure, c.failure ? "boom" : "", t0);
    BOOST_TEST_CONTEXT(to_string(c.type) << (c.failure ? " failure" : " normal exit")) {
      BOOST_TEST((d.result == (c.restarted ? outcome::restarted : outcome::ignored)));
      BOOST_TEST((core.find("x")->status ==
                  (c.restarted ? child_status::running : child_status::stopped)));
      BOOST_TEST(core.restarts_in_window(t0) == (c.restarted ? 1u : 0u));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_temporary_sibling_taken_down_by_one_for_all_stays_down) {
  auto core = started_core(strategy::one_for_all, {3, 10s},
                           {child("a"), child("tmp", restart_type::temporary), child("c")});
  auto d = core.exited("c", true, "boom", t0);
  BOOST_TEST(d.steps == (std::vector<step>{stop("tmp"), stop("a"), start("a"), start("c")}));
  BOOST_TEST((core.find("tmp")->status == child_status::stopped));
}

BOOST_AUTO_TEST_CASE(a_transient_sibling_taken_down_by_one_for_all_is_restarted) {
  auto core = started_core(strategy::one_for_all, {3, 10s},
                           {child("a", restart_type::transient), child("b")});
  auto d = core.exited("b", true, "boom", t0);
  BOOST_TEST(d.steps == (std::vector<step>{stop("a"), start("a"), start("b")}));
}

BOOST_AUTO_TEST_CASE(intensity_allows_max_restarts_then_escalates_on_the_next) {
  auto core = started_core(strategy::one_for_one, {3, 10s}, abc());
  for (int i = 0; i < 3; ++i)
    BOOST_TEST((core.exited("a", true, "boom", t0 + i * 1s).result == outcome::restarted));
  auto d = core.exited("a", true, "boom", t0 + 3s);
  BOOST_TEST((d.result == outcome::escalated));
  // Escalation stops every child that still runs, last started first.
  BOOST_TEST(d.steps == (std::vector<step>{stop("c"), stop("b")}));
  BOOST_TEST(d.reason.find("'a' needed 4 restarts within 10s (max_restarts 3)") !=
             std::string::npos);
  BOOST_TEST(d.reason.find("last failure: boom") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_restart_exactly_one_period_old_has_left_the_window) {
  auto core = started_core(strategy::one_for_one, {2, 10s}, abc());
  core.exited("a", true, "x", t0);
  core.exited("a", true, "x", t0 + 5s);
  // t0 + 10s: the restart at t0 is exactly `period` old, outside (now - period, now].
  BOOST_TEST((core.exited("a", true, "x", t0 + 10s).result == outcome::restarted));
  BOOST_TEST(core.restarts_in_window(t0 + 10s) == 2u);
}

BOOST_AUTO_TEST_CASE(a_restart_just_inside_the_window_still_counts) {
  auto core = started_core(strategy::one_for_one, {2, 10s}, abc());
  core.exited("a", true, "x", t0);
  core.exited("a", true, "x", t0 + 5s);
  BOOST_TEST((core.exited("a", true, "x", t0 + 10s - 1ns).result == outcome::escalated));
}

BOOST_AUTO_TEST_CASE(restarts_of_different_children_share_one_window) {
  auto core = started_core(strategy::one_for_one, {2, 10s}, abc());
  core.exited("a", true, "x", t0);
  core.exited("b", true, "x", t0 + 1s);
  BOOST_TEST((core.exited("c", true, "x", t0 + 2s).result == outcome::escalated));
}

BOOST_AUTO_TEST_CASE(max_restarts_zero_escalates_at_the_first_failure) {
  auto core = started_core(strategy::one_for_one, {0, 10s}, abc());
  BOOST_TEST((core.exited("b", true, "x", t0).result == outcome::escalated));
}

BOOST_AUTO_TEST_CASE(the_root_gives_up_on_the_child_instead_of_escalating) {
  auto core = started_core(strategy::one_for_one, {1, 10s}, abc(), /*is_root=*/true);
  core.exited("b", true, "x", t0);
  auto d = core.exited("b", true, "escalated: y", t0 + 1s);
  BOOST_TEST((d.result == outcome::given_up));
  BOOST_TEST(d.steps.empty());  // the other functions keep running
  BOOST_TEST((core.find("b")->status == child_status::failed));
  BOOST_TEST((core.find("a")->status == child_status::running));
  BOOST_TEST((core.find("c")->status == child_status::running));
}

BOOST_AUTO_TEST_CASE(an_exit_of_a_child_not_running_is_ignored) {
  auto core = started_core(strategy::one_for_one, {3, 10s}, abc());
  core.stop_all();
  BOOST_TEST((core.exited("a", true, "late", t0).result == outcome::ignored));
  BOOST_TEST((core.exited("nobody", true, "x", t0).result == outcome::ignored));
  BOOST_TEST(core.restarts_in_window(t0) == 0u);
}

BOOST_AUTO_TEST_CASE(an_operator_restart_is_counted_but_not_against_the_intensity) {
  auto core = started_core(strategy::one_for_one, {0, 10s}, abc());
  BOOST_TEST(core.restart("b") == (std::vector<step>{stop("b"), start("b")}));
  BOOST_TEST(core.find("b")->restarts == 1u);
  BOOST_TEST(core.restarts_in_window(t0) == 0u);
  BOOST_TEST(core.restart("nobody").empty());
}

BOOST_AUTO_TEST_CASE(an_operator_restart_brings_back_a_child_the_root_gave_up_on) {
  auto core = started_core(strategy::one_for_one, {0, 10s}, abc(), true);
  core.exited("a", true, "x", t0);
  BOOST_TEST((core.find("a")->status == child_status::failed));
  BOOST_TEST(core.restart("a") == (std::vector<step>{start("a")}));
  BOOST_TEST((core.find("a")->status == child_status::running));
}

BOOST_AUTO_TEST_CASE(reload_restarts_only_what_changed) {
  auto core = started_core(strategy::one_for_one, {3, 10s},
                           {child("keep"),
                            child("change"),
                            child("remove"),
                            {"sub", "supervisor", restart_type::permanent, "s1"}});
  core.exited("keep", true, "x", t0);  // gives "keep" a restart count to carry over
  auto plan = core.reload({child("keep"),
                           {"sub", "supervisor", restart_type::permanent, "s1"},
                           child("change", restart_type::permanent, "v2"),
                           child("new")});
  BOOST_TEST(plan.steps ==
             (std::vector<step>{stop("remove"), stop("change"), start("change"), start("new")}));
  BOOST_TEST(plan.reloaded == (std::vector<std::string>{"sub"}));
  BOOST_TEST(core.find("keep")->restarts == 1u);
  BOOST_TEST(core.find("remove") == nullptr);
  BOOST_TEST(core.find("change")->info.fingerprint == "v2");
  // The new order is the config's.
  std::vector<std::string> order;
  for (auto& c : core.children()) order.push_back(c.info.name);
  BOOST_TEST(order == (std::vector<std::string>{"keep", "sub", "change", "new"}));
}

BOOST_AUTO_TEST_CASE(reload_with_the_same_config_changes_nothing) {
  auto core = started_core(strategy::one_for_one, {3, 10s}, abc());
  auto plan = core.reload(abc());
  BOOST_TEST(plan.steps.empty());
  BOOST_TEST(plan.reloaded.empty());
}

BOOST_AUTO_TEST_CASE(reload_updates_in_place_a_child_whose_settings_alone_changed) {
  child_info live{"svc", "ipvs", restart_type::permanent, "listen=a", "weights=1"};
  auto core = started_core(strategy::one_for_one, {3, 10s}, {live, child("other")});
  auto next = live;
  next.settings = "weights=3";
  auto plan = core.reload({next, child("other")});
  BOOST_TEST(plan.steps.empty());  // no restart: the listener and its connections stay
  BOOST_TEST(plan.updated == (std::vector<std::string>{"svc"}));
  BOOST_TEST(core.find("svc")->info.settings == "weights=3");
  next.fingerprint = "listen=b";  // a new listener: that one restarts
  plan = core.reload({next, child("other")});
  BOOST_TEST(plan.steps == (std::vector<step>{stop("svc"), start("svc")}));
  BOOST_TEST(plan.updated.empty());
}

BOOST_AUTO_TEST_CASE(a_kind_change_under_the_same_name_is_a_new_child) {
  auto core = started_core(strategy::one_for_one, {3, 10s}, {child("x")});
  auto plan = core.reload({{"x", "supervisor", restart_type::permanent, "v1"}});
  BOOST_TEST(plan.steps == (std::vector<step>{stop("x"), start("x")}));
}

BOOST_AUTO_TEST_SUITE_END()
