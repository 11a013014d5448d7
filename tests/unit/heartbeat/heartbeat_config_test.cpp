// The [heartbeat] section: a working pair parses into the struct the actor sees (links,
// timing, fence, ordered resources); every mistake is refused with file:line:column.
#include <boost/test/unit_test.hpp>

#include "config/loader.hpp"

using namespace hamesh;
using namespace hamesh::heartbeat;
using namespace std::chrono_literals;

namespace {

const char* storage = R"(
[node]
name = "store-a"
[[storage.volume]]
name = "mail"
file = "mail.img"
size = "16MiB"
listen = "10.0.0.1:7789"
peer = "10.0.0.2:7789"
export = "10.0.0.100:10809"
)";

const char* pair = R"(
[heartbeat]
pair = "mailstore"
peer = "store-b"
key = "0123456789abcdef0123"
keepalive = "50ms"
warntime = "150ms"
deadtime = "300ms"
preferred = "store-a"
auto_failback = false
[[heartbeat.link]]
name = "lan"
listen = "10.0.0.1:694"
peer = "10.0.0.2:694"
[[heartbeat.link]]
name = "back"
listen = "10.1.0.1:694"
group = "239.0.0.94:694"
interface = "eth1"
[heartbeat.fence]
command = ["/usr/local/sbin/fence-peer", "store-b"]
timeout = "2s"
policy = "required"
[[heartbeat.resource]]
kind = "replica"
volume = "mail"
[[heartbeat.resource]]
kind = "ip"
address = "10.0.0.100/24"
interface = "eth0"
[[heartbeat.resource]]
kind = "agent"
name = "dovecot"
start = ["systemctl", "start", "dovecot"]
stop = ["systemctl", "stop", "dovecot"]
timeout = "30s"
)";

config::load_result load(const std::string& text) {
  return config::load_node_config_text(text, "t.toml", "/etc/hamesh");
}

std::string first_error(const config::load_result& r) {
  return r.errors.empty() ? std::string("(no error)") : r.errors.front().render();
}

// `pair` with one line replaced (or removed when `to` is empty).
std::string with(const std::string& from, const std::string& to) {
  std::string text = pair;
  auto at = text.find(from);
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, from);
  text.replace(at, from.size(), to);
  return storage + text;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(heartbeat_config_tests)

BOOST_AUTO_TEST_CASE(a_storage_pair_parses_into_links_timing_fence_and_ordered_resources) {
  auto r = load(std::string(storage) + pair);
  BOOST_REQUIRE_MESSAGE(r.config, first_error(r));
  auto& hb = r.config->heartbeat;
  BOOST_TEST(hb.enabled);
  auto& c = hb.pair;
  BOOST_TEST(c.pair == "mailstore");
  BOOST_TEST(c.self == "store-a");
  BOOST_TEST(c.peer == "store-b");
  BOOST_TEST((c.timing.keepalive == duration(50ms)));
  BOOST_TEST((c.timing.deadtime == duration(300ms)));
  BOOST_TEST((c.timing.initdead == duration(600ms)));  // unset: twice deadtime
  BOOST_REQUIRE_EQUAL(c.links.size(), 2u);
  BOOST_TEST(!c.links[0].multicast());
  BOOST_TEST(c.links[0].peer_port == 694);
  BOOST_TEST(c.links[1].multicast());
  BOOST_TEST(c.links[1].interface == "eth1");
  BOOST_TEST((c.timing.links == std::vector<std::string>{"lan", "back"}));
  BOOST_REQUIRE(c.fence);
  BOOST_TEST((c.fence->timeout == duration(2s)));
  BOOST_TEST((c.fencing == fence_policy::required));
  BOOST_REQUIRE_EQUAL(c.resources.size(), 3u);
  BOOST_TEST(c.resources[0].step.name == "replica/mail");
  BOOST_TEST(c.resources[1].step.name == "ip/10.0.0.100");
  BOOST_TEST(c.resources[1].prefix == 24);
  BOOST_TEST(c.resources[2].step.name == "agent/dovecot");
  BOOST_TEST((c.resources[2].step.timeout == duration(30s)));
  BOOST_TEST(c.resources[2].status.empty());
  auto plan = c.takeover();
  BOOST_TEST(validate(plan).empty());
  BOOST_TEST(plan.fence.has_value());
  BOOST_TEST(plan.resources.size() == 3u);
}

BOOST_AUTO_TEST_CASE(defaults_are_heartbeats_ha_cf_timing) {
  auto r = load(with("keepalive = \"50ms\"\nwarntime = \"150ms\"\ndeadtime = \"300ms\"\n", ""));
  BOOST_REQUIRE_MESSAGE(r.config, first_error(r));
  auto& t = r.config->heartbeat.pair.timing;
  BOOST_TEST((t.keepalive == duration(2s)));
  BOOST_TEST((t.warntime == duration(10s)));
  BOOST_TEST((t.deadtime == duration(30s)));
  BOOST_TEST((t.initdead == duration(120s)));
}

BOOST_AUTO_TEST_CASE(without_a_fence_nothing_is_required) {
  auto r =
      load(with("[heartbeat.fence]\ncommand = [\"/usr/local/sbin/fence-peer\", \"store-b\"]\n"
                "timeout = \"2s\"\npolicy = \"required\"\n",
                ""));
  BOOST_REQUIRE_MESSAGE(r.config, first_error(r));
  auto plan = r.config->heartbeat.pair.takeover();
  BOOST_TEST(!plan.fence.has_value());
  BOOST_TEST(validate(plan).empty());
}

struct broken_case {
  const char* what;
  const char* from;
  const char* to;
  const char* message;  // the first error, rendered
};

BOOST_AUTO_TEST_CASE(mistakes_are_refused_with_their_position) {
  const broken_case cases[] = {
      {"unknown key", "auto_failback = false\n", "auto_fail_back = false\n",
       "t.toml:20:1: heartbeat.auto_fail_back: unknown key"},
      {"short key", "key = \"0123456789abcdef0123\"", "key = \"short\"",
       "t.toml:15:7: heartbeat.key: expected a key of at least 16 bytes"},
      {"key and key_file", "key = \"0123456789abcdef0123\"",
       "key = \"0123456789abcdef0123\"\nkey_file = \"k\"",
       "heartbeat.key_file: expected exactly one"},
      {"self as peer", "peer = \"store-b\"", "peer = \"store-a\"",
       "heartbeat.peer: expected the other node's [node] name"},
      {"deadtime below twice keepalive", "deadtime = \"300ms\"", "deadtime = \"90ms\"",
       "heartbeat.deadtime: deadtime must be longer than warntime"},
      {"preferred stranger", "preferred = \"store-a\"", "preferred = \"store-c\"",
       "heartbeat.preferred: expected this node"},
      {"unknown volume", "volume = \"mail\"", "volume = \"archive\"",
       "heartbeat.resource[0].volume: no [[storage.volume]] named \"archive\""},
      {"bad ip", "address = \"10.0.0.100/24\"", "address = \"10.0.0.100\"",
       "heartbeat.resource[1].address: expected \"IPv4/PREFIX\""},
      {"peer and group", "peer = \"10.0.0.2:694\"",
       "peer = \"10.0.0.2:694\"\ngroup = \"239.1.1.1:694\"",
       "heartbeat.link[0].group: expected either peer"},
      {"unicast group", "group = \"239.0.0.94:694\"", "group = \"10.9.9.9:694\"",
       "heartbeat.link[1].group: expected a multicast group"},
      {"empty command", "command = [\"/usr/local/sbin/fence-peer\", \"store-b\"]", "command = []",
       "heartbeat.fence.command: expected a command"},
      {"bad policy", "policy = \"required\"", "policy = \"maybe\"",
       "heartbeat.fence.policy: expected one of"},
      {"unknown kind", "kind = \"agent\"", "kind = \"daemon\"",
       "heartbeat.resource[2].kind: expected one of"},
      {"mesh without mesh peers", "auto_failback = false\n", "auto_failback = false\nmesh = true\n",
       "heartbeat.mesh: heartbeats over the mesh need [mesh] peers"},
  };
  for (auto& c : cases) {
    auto r = load(with(c.from, c.to));
    BOOST_TEST_CONTEXT(c.what) {
      BOOST_TEST(!r.config);
      auto e = first_error(r);
      BOOST_TEST(e.find(c.message) != std::string::npos, e << " lacks " << c.message);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_heartbeat_needs_storage) {
  std::string text = std::string("[node]\nname = \"store-a\"\n") + pair;
  auto at = text.find("[[heartbeat.resource]]\nkind = \"replica\"\nvolume = \"mail\"\n");
  text.erase(at,
             std::string("[[heartbeat.resource]]\nkind = \"replica\"\nvolume = \"mail\"\n").size());
  auto r = load(text);
  BOOST_TEST(!r.config);
  BOOST_TEST(first_error(r).find("needs the [storage]") != std::string::npos, first_error(r));
}

BOOST_AUTO_TEST_SUITE_END()
