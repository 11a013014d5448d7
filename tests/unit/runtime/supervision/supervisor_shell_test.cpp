// The CAF shell around supervisor_core, with real actors: strategies restart the right
// siblings, an escalation reaching the top marks the node degraded and tells subscribers,
// the tree stops in reverse order, and a reload restarts only what changed.
#include "runtime/supervision/supervisor.hpp"

#include <caf/all.hpp>

#include <boost/test/unit_test.hpp>
#include <mutex>

#include "runtime/caf_types.hpp"
#include "runtime/logging.hpp"

using namespace hamesh;
using namespace hamesh::supervision;
using namespace std::chrono_literals;

namespace {

// Leaves note the order in which they are asked to stop.
struct stop_log {
  std::mutex mutex;
  std::vector<std::string> names;
  void add(const std::string& n) {
    std::lock_guard<std::mutex> g(mutex);
    names.push_back(n);
  }
  std::vector<std::string> get() {
    std::lock_guard<std::mutex> g(mutex);
    return names;
  }
};

caf::behavior leaf(caf::event_based_actor* self, std::string path, std::shared_ptr<stop_log> log) {
  self->set_exit_handler([=](caf::exit_msg& em) {
    log->add(path);
    self->quit(em.reason);
  });
  return {[](state_atom, const std::string&) { return actor_state{}; }};
}

child_spec leaf_spec(const std::string& name, std::shared_ptr<stop_log> log,
                     std::string fp = "v1") {
  child_spec c;
  c.info = {name, "leaf", restart_type::permanent, std::move(fp)};
  c.start = [log](caf::local_actor* parent, const std::string& path) {
    return parent->spawn(leaf, path, log);
  };
  return c;
}

std::shared_ptr<supervisor_spec> subtree(strategy s, restart_intensity i,
                                         std::vector<child_spec> children) {
  auto spec = std::make_shared<supervisor_spec>();
  spec->strat = s;
  spec->intensity = i;
  spec->shutdown_timeout = 1s;
  spec->children = std::move(children);
  return spec;
}

std::shared_ptr<supervisor_spec> node_with(std::shared_ptr<const supervisor_spec> sub,
                                           restart_intensity root_intensity = {5, 60s}) {
  child_spec c;
  c.info = {"fn", "supervisor", restart_type::permanent, sub->fingerprint()};
  c.subtree = std::move(sub);
  return subtree(strategy::one_for_one, root_intensity, {c});
}

struct fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<stop_log> stops = std::make_shared<stop_log>();
  fixture() {
    logging::settings quiet;
    quiet.level = "off";
    logging::configure(quiet);
    add_message_types(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
  }

  actor_state state(const caf::actor& root) {
    caf::scoped_actor self{*sys};
    actor_state out;
    self->request(root, 5s, state_atom_v, std::string())
        .receive([&](actor_state& s) { out = std::move(s); },
                 [&](caf::error& e) { BOOST_FAIL("state query failed: " << describe(e)); });
    return out;
  }

  // Waits until `pred(state)` holds, for at most 5 s.
  actor_state wait_state(const caf::actor& root,
                         const std::function<bool(const actor_state&)>& pred, const char* what) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    actor_state s;
    do {
      s = state(root);
      if (pred(s)) return s;
      std::this_thread::sleep_for(10ms);
    } while (std::chrono::steady_clock::now() < deadline);
    BOOST_FAIL("timed out waiting for " << what << "; last state: " << to_json(s));
    return s;
  }

  void kill(const caf::actor& root, const std::string& path) {
    caf::scoped_actor self{*sys};
    self->request(root, 5s, kill_path_atom_v, path)
        .receive([](caf::ok_atom) {},
                 [&](caf::error& e) { BOOST_FAIL("kill failed: " << describe(e)); });
  }

  void stop(const caf::actor& root) {
    caf::scoped_actor self{*sys};
    self->monitor(root);
    caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
    bool down = false;
    self->receive([&](caf::down_msg&) { down = true; }, caf::after(10s) >> [] {});
    BOOST_TEST(down);
  }
};

uint32_t restarts(const actor_state& root, const std::string& path) {
  auto* s = find_path(root, path);
  return s ? s->restarts : 9999;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(supervisor_shell_tests, fixture)

BOOST_AUTO_TEST_CASE(one_for_all_restarts_every_sibling_of_a_killed_child) {
  auto root = spawn_node_root(
      *sys,
      node_with(subtree(strategy::one_for_all, {3, 60s},
                        {leaf_spec("a", stops), leaf_spec("b", stops), leaf_spec("c", stops)})),
      "n");
  wait_state(
      root,
      [](auto& s) { return find_path(s, "fn/c") && find_path(s, "fn/c")->status == "running"; },
      "start");
  kill(root, "fn/b");
  auto s = wait_state(
      root, [](auto& s) { return restarts(s, "fn/a") == 1 && restarts(s, "fn/c") == 1; },
      "all restarted");
  BOOST_TEST(restarts(s, "fn/b") == 1u);
  BOOST_TEST(find_path(s, "fn/b")->last_failure == "killed by operator");
  // b got the kill; then its siblings were stopped last-started first: c, then a.
  BOOST_TEST(stops->get() == (std::vector<std::string>{"fn/b", "fn/c", "fn/a"}));
  stop(root);
}

BOOST_AUTO_TEST_CASE(rest_for_one_restarts_the_killed_child_and_those_after_it) {
  auto root = spawn_node_root(
      *sys,
      node_with(subtree(strategy::rest_for_one, {3, 60s},
                        {leaf_spec("a", stops), leaf_spec("b", stops), leaf_spec("c", stops)})),
      "n");
  wait_state(
      root, [](auto& s) { return find_path(s, "fn/c") != nullptr; }, "start");
  kill(root, "fn/b");
  auto s = wait_state(
      root, [](auto& s) { return restarts(s, "fn/b") == 1 && restarts(s, "fn/c") == 1; },
      "b and c restarted");
  BOOST_TEST(restarts(s, "fn/a") == 0u);
  stop(root);
}

BOOST_AUTO_TEST_CASE(an_escalation_reaching_the_top_degrades_the_node_and_tells_subscribers) {
  auto root = spawn_node_root(
      *sys, node_with(subtree(strategy::one_for_one, {1, 60s}, {leaf_spec("a", stops)})), "n");
  caf::scoped_actor subscriber{*sys};
  subscriber->send(root, subscribe_atom_v, degraded_atom_v);
  wait_state(
      root,
      [](auto& s) { return find_path(s, "fn/a") && find_path(s, "fn/a")->status == "running"; },
      "start");
  kill(root, "fn/a");
  wait_state(
      root, [](auto& s) { return restarts(s, "fn/a") == 1; }, "first restart");
  kill(root, "fn/a");  // second failure within the window: fn escalates
  std::string reason;
  subscriber->receive([&](degraded_atom, const std::string& r) { reason = r; },
                      caf::after(5s) >> [] { BOOST_FAIL("no node_degraded event"); });
  BOOST_TEST(reason.find("fn: escalated: 'a' needed 2 restarts within 1m (max_restarts 1)") == 0u,
             reason);
  auto s = wait_state(
      root,
      [](auto& s) { return restarts(s, "fn") == 1 && find_path(s, "fn")->status == "running"; },
      "fn restarted");
  BOOST_TEST(s.status == "degraded");
  // A subscriber that arrives later hears of it at once.
  caf::scoped_actor late{*sys};
  late->send(root, subscribe_atom_v, degraded_atom_v);
  late->receive([&](degraded_atom, const std::string& r) { BOOST_TEST(r == reason); },
                caf::after(5s) >> [] { BOOST_FAIL("late subscriber not told"); });
  stop(root);
}

BOOST_AUTO_TEST_CASE(the_top_gives_up_on_a_subtree_past_its_own_intensity) {
  auto root = spawn_node_root(
      *sys, node_with(subtree(strategy::one_for_one, {0, 60s}, {leaf_spec("a", stops)}), {0, 60s}),
      "n");
  wait_state(
      root, [](auto& s) { return find_path(s, "fn/a") != nullptr; }, "start");
  kill(root, "fn/a");  // fn escalates at once; the top may not restart it either
  auto s = wait_state(
      root, [](auto& s) { return find_path(s, "fn")->status == "failed"; }, "fn given up");
  BOOST_TEST(s.status == "degraded");
  BOOST_TEST(s.children[0].children.empty());
  stop(root);  // the top itself is still there and stops cleanly
}

BOOST_AUTO_TEST_CASE(the_tree_stops_in_reverse_start_order) {
  auto root = spawn_node_root(
      *sys,
      node_with(subtree(strategy::one_for_one, {3, 60s},
                        {leaf_spec("a", stops), leaf_spec("b", stops), leaf_spec("c", stops)})),
      "n");
  wait_state(
      root, [](auto& s) { return find_path(s, "fn/c") != nullptr; }, "start");
  stop(root);
  BOOST_TEST(stops->get() == (std::vector<std::string>{"fn/c", "fn/b", "fn/a"}));
}

BOOST_AUTO_TEST_CASE(a_reload_restarts_only_the_changed_child) {
  auto before =
      subtree(strategy::one_for_one, {3, 60s}, {leaf_spec("a", stops), leaf_spec("b", stops)});
  auto root = spawn_node_root(*sys, node_with(before), "n");
  wait_state(
      root, [](auto& s) { return find_path(s, "fn/b") != nullptr; }, "start");
  auto after = subtree(strategy::one_for_one, {3, 60s},
                       {leaf_spec("a", stops), leaf_spec("b", stops, "v2"), leaf_spec("c", stops)});
  caf::anon_send(root, reload_atom_v, std::shared_ptr<const supervisor_spec>(node_with(after)));
  wait_state(
      root,
      [](auto& s) { return find_path(s, "fn/c") && find_path(s, "fn/c")->status == "running"; },
      "c started");
  BOOST_TEST(stops->get() == (std::vector<std::string>{"fn/b"}));  // a untouched
  stop(root);
}

BOOST_AUTO_TEST_CASE(unknown_paths_are_refused_by_name) {
  auto root = spawn_node_root(
      *sys, node_with(subtree(strategy::one_for_one, {3, 60s}, {leaf_spec("a", stops)})), "n");
  caf::scoped_actor self{*sys};
  self->request(root, 5s, kill_path_atom_v, std::string("fn/zz"))
      .receive([](caf::ok_atom) { BOOST_FAIL("kill of an unknown path succeeded"); },
               [](caf::error& e) { BOOST_TEST(describe(e) == "no actor at path \"fn/zz\""); });
  stop(root);
}

BOOST_AUTO_TEST_SUITE_END()
