// Config loading: broken configs are refused with file:line:column, the key path, what was
// expected and what was found. (The shipped examples are checked through the real
// `hamesh-node --check-config` in tests/integration/node_cli_test.py.)
#include "config/loader.hpp"

#include <toml++/toml.h>

#include <boost/test/unit_test.hpp>

#include "config/table_reader.hpp"

using namespace hamesh::config;
using namespace std::chrono_literals;

namespace {

load_result load(const std::string& text) {
  return load_node_config_text(text, "t.toml", "/etc/hamesh");
}

std::string all_errors(const load_result& r) {
  std::string out;
  for (auto& e : r.errors) out += e.render() + "\n";
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config_loader_tests)

struct broken_case {
  const char* what;
  const char* text;
  const char* message;  // the first error, rendered
};

BOOST_AUTO_TEST_CASE(broken_configs_are_refused_with_position_and_key_path) {
  const broken_case cases[] = {
      {"unknown key", "[node]\nname = \"n\"\nnmae = \"x\"\n",
       "t.toml:3:1: node.nmae: unknown key (known keys here: name)"},
      {"unknown section", "[node]\nname = \"n\"\n[vrrpp]\nx = 1\n",
       "t.toml:3:2: vrrpp: unknown key (known keys here: demo, heartbeat, ipvs, log, mesh, "
       "metrics, node, probe, proxy, storage, supervision, tls, vrrp)"},
      {"out of range", "[node]\nname = \"n\"\n[supervision]\nmax_restarts = 5000\n",
       "t.toml:4:16: supervision.max_restarts: expected an integer in 0..1000, found integer 5000"},
      {"negative", "[node]\nname = \"n\"\n[supervision]\nmax_restarts = -1\n",
       "t.toml:4:16: supervision.max_restarts: expected an integer in 0..1000, found integer -1"},
      {"duration without unit", "[node]\nname = \"n\"\n[supervision]\nperiod = 5\n",
       "t.toml:4:10: supervision.period: expected a duration string in 1ms..24h, like \"500ms\", "
       "found integer 5"},
      {"duration bad unit", "[node]\nname = \"n\"\n[supervision]\nperiod = \"5sec\"\n",
       "t.toml:4:10: supervision.period: expected a duration string in 1ms..24h, like \"500ms\", "
       "found "
       "string \"5sec\": unknown unit \"sec\" (use ns, us, ms, s, m or h)"},
      {"duration out of range", "[node]\nname = \"n\"\n[supervision]\nperiod = \"25h\"\n",
       "t.toml:4:10: supervision.period: expected a duration string in 1ms..24h, like \"500ms\", "
       "found string \"25h\""},
      {"missing node", "[log]\nlevel = \"info\"\n",
       "t.toml:1:1: node: missing required key (expected a table)"},
      {"missing node name", "[node]\n",
       "t.toml:1:1: node.name: missing required key (expected a string)"},
      {"wrong type", "[node]\nname = 5\n",
       "t.toml:2:8: node.name: expected a string, found integer 5"},
      {"bad name", "[node]\nname = \"a b\"\n",
       "t.toml:2:8: node.name: expected a name of 1..64 characters from A-Z a-z 0-9 _ . - (not "
       "starting "
       "with . or -), found string \"a b\""},
      {"bad choice", "[node]\nname = \"n\"\n[log]\nlevel = \"verbose\"\n",
       "t.toml:4:9: log.level: expected one of \"trace\", \"debug\", \"info\", \"warn\", "
       "\"error\", "
       "\"critical\", \"off\", found string \"verbose\""},
      {"bad component level", "[node]\nname = \"n\"\n[log.components]\n\"demo\" = \"loud\"\n",
       "t.toml:4:10: log.components.demo: expected one of \"trace\", \"debug\", \"info\", "
       "\"warn\", "
       "\"error\", \"critical\", \"off\", found string \"loud\""},
      {"unknown subtree", "[node]\nname = \"n\"\n[supervision.dmeo]\nmax_restarts = 1\n",
       "t.toml:3:14: supervision.dmeo: unknown key (known keys here: demo, lb, max_restarts, "
       "period, "
       "proxy, shutdown_timeout, stop_deadline, storage)"},
      {"bad strategy", "[node]\nname = \"n\"\n[supervision.lb]\nstrategy = \"all_for_one\"\n",
       "t.toml:4:12: supervision.lb.strategy: expected one of \"one_for_one\", \"one_for_all\", "
       "\"rest_for_one\", found string \"all_for_one\""},
      {"deadline below timeout",
       "[node]\nname = \"n\"\n[supervision]\nshutdown_timeout = \"10s\"\nstop_deadline = \"5s\"\n",
       "t.toml:5:17: supervision.stop_deadline: expected at least supervision.shutdown_timeout "
       "(10s), found 5s"},
      {"duplicate ticker",
       "[node]\nname = \"n\"\n[[demo.ticker]]\nname = \"a\"\n[[demo.ticker]]\nname = \"a\"\n",
       "t.toml:6:8: demo.ticker[1].name: duplicate ticker name \"a\""},
      {"unknown ticker key",
       "[node]\nname = \"n\"\n[[demo.ticker]]\nname = \"a\"\nintervall = \"1s\"\n",
       "t.toml:5:1: demo.ticker[0].intervall: unknown key (known keys here: fail_after, interval, "
       "name, restart, stop_delay)"},
      {"ticker interval too short",
       "[node]\nname = \"n\"\n[[demo.ticker]]\nname = \"a\"\ninterval = \"0s\"\n",
       "t.toml:5:12: demo.ticker[0].interval: expected a duration string in 1ms..1h, like "
       "\"500ms\", found string \"0s\""},
      {"ticker as a table", "[node]\nname = \"n\"\n[demo.ticker]\nname = \"a\"\n",
       "t.toml:3:1: demo.ticker: expected an array of tables ([[demo.ticker]]), found a table"},
      {"listen beyond loopback without tls",
       "[node]\nname = \"n\"\n[mesh]\nlisten = \"0.0.0.0:4700\"\n",
       "t.toml:4:10: mesh.listen: expected a loopback address without [tls] (this endpoint "
       "controls "
       "actors; expose it beyond this host only with mutual TLS), found \"0.0.0.0\""},
      {"bad port", "[node]\nname = \"n\"\n[mesh]\nlisten = \"127.0.0.1:99999\"\n",
       "t.toml:4:10: mesh.listen: expected \"HOST:PORT\" with a port in 0..65535, found string "
       "\"127.0.0.1:99999\""},
      {"down_after not above heartbeat",
       "[node]\nname = \"n\"\n[mesh]\nlisten = \"127.0.0.1:1\"\nheartbeat = \"1s\"\ndown_after = "
       "\"1s\"\n",
       "t.toml:6:14: mesh.down_after: expected a duration longer than mesh.heartbeat (1s), found "
       "1s"},
      {"bad peer",
       "[node]\nname = \"n\"\n[mesh]\nlisten = \"127.0.0.1:1\"\npeers = [\"127.0.0.1\"]\n",
       "t.toml:5:9: mesh.peers: expected \"HOST:PORT\" entries with a port in 1..65535, found "
       "string "
       "\"127.0.0.1\""},
      {"own peer",
       "[node]\nname = \"n\"\n[mesh]\nlisten = \"127.0.0.1:1\"\npeers = [\"127.0.0.1:1\"]\n",
       "t.toml:5:9: mesh.peers: a node is not its own peer: \"127.0.0.1:1\" is mesh.listen"},
      {"duplicate peer",
       "[node]\nname = \"n\"\n[mesh]\nlisten = \"127.0.0.1:1\"\npeers = [\"127.0.0.1:2\", "
       "\"127.0.0.1:2\"]\n",
       "t.toml:5:9: mesh.peers: duplicate peer \"127.0.0.1:2\""},
      {"unreadable certificate", "[node]\nname = \"n\"\n[tls]\nca = \"/nonexistent/ca.pem\"\n",
       "t.toml:4:6: tls.ca: cannot read \"/nonexistent/ca.pem\""},
      {"metrics without listen", "[node]\nname = \"n\"\n[metrics]\n",
       "t.toml:3:1: metrics.listen: missing required key (expected a string)"},
      {"tls incomplete", "[node]\nname = \"n\"\n[tls]\nca = \"/dev/null\"\n",
       "t.toml:3:1: tls.certificate: missing required key (expected a string)"},
      {"vrrp priority out of range",
       "[node]\nname = \"n\"\n[[vrrp.instance]]\nname = \"VI_1\"\ninterface = \"eth0\"\nvrid = 51\n"
       "priority = 300\nvips = [\"10.0.0.1\"]\n",
       "t.toml:7:12: vrrp.instance[0].priority: expected an integer in 1..255, found integer 300"},
      {"vrrp advert not in centiseconds",
       "[node]\nname = \"n\"\n[[vrrp.instance]]\nname = \"VI_1\"\ninterface = \"eth0\"\nvrid = 51\n"
       "advert = \"15ms\"\nvips = [\"10.0.0.1\"]\n",
       "t.toml:7:10: vrrp.instance[0].advert: expected a multiple of 10ms (VRRPv3 counts "
       "centiseconds), found 15ms"},
      {"vrrp bad vip",
       "[node]\nname = \"n\"\n[[vrrp.instance]]\nname = \"VI_1\"\ninterface = \"eth0\"\nvrid = 51\n"
       "vips = [\"10.0.0.1/33\"]\n",
       "t.toml:7:8: vrrp.instance[0].vips: expected IPv4 addresses like \"10.0.0.100\" or "
       "\"10.0.0.100/24\", found "
       "string \"10.0.0.1/33\""},
      {"ipvs unknown scheduler",
       "[node]\nname = \"n\"\n[[ipvs.service]]\nname = \"web\"\nlisten = "
       "\"10.0.0.1:80\"\nscheduler = \"fastest\"\n[[ipvs.service.real]]\naddress = "
       "\"10.0.1.1:80\"\n",
       "t.toml:6:13: ipvs.service[0].scheduler: expected one of \"rr\", \"wrr\", \"lc\", "
       "\"wlc\", \"sh\", \"mh\", found string \"fastest\""},
      {"ipvs nftables cannot do wlc",
       "[node]\nname = \"n\"\n[[ipvs.service]]\nname = \"web\"\nlisten = "
       "\"10.0.0.1:80\"\ndataplane = \"nftables\"\nscheduler = "
       "\"wlc\"\n[[ipvs.service.real]]\naddress = \"10.0.1.1:80\"\n",
       "t.toml:7:13: ipvs.service[0].scheduler: dataplane \"nftables\" supports rr, wrr and sh, "
       "found \"wlc\""},
      {"ipvs real by name",
       "[node]\nname = \"n\"\n[[ipvs.service]]\nname = \"web\"\nlisten = "
       "\"10.0.0.1:80\"\n[[ipvs.service.real]]\naddress = \"backend1:80\"\n",
       "t.toml:7:11: ipvs.service[0].real[0].address: expected a numeric IPv4 address and port "
       "like \"10.0.0.100:80\", found \"backend1:80\""},
      {"ipvs real listed twice",
       "[node]\nname = \"n\"\n[[ipvs.service]]\nname = \"web\"\nlisten = "
       "\"10.0.0.1:80\"\n[[ipvs.service.real]]\naddress = "
       "\"10.0.1.1:80\"\n[[ipvs.service.real]]\naddress = \"10.0.1.1:80\"\n",
       "t.toml:9:11: ipvs.service[0].real[1].address: real server 10.0.1.1:80 is listed twice"},
      {"ipvs no real server",
       "[node]\nname = \"n\"\n[[ipvs.service]]\nname = \"web\"\nlisten = \"10.0.0.1:80\"\n",
       "t.toml:3:1: ipvs.service[0].real: expected at least one [[ipvs.service.real]] (or a "
       "sorry_server)"},
      {"check timeout above interval",
       "[node]\nname = \"n\"\n[[ipvs.service]]\nname = \"web\"\nlisten = "
       "\"10.0.0.1:80\"\n[[ipvs.service.real]]\naddress = "
       "\"10.0.1.1:80\"\n[ipvs.service.check]\nkind = \"tcp\"\ninterval = \"1s\"\ntimeout = "
       "\"2s\"\n",
       "t.toml:11:11: ipvs.service[0].check.timeout: expected at most the interval (1s): attempts "
       "must not overlap, found 2s"},
      {"check key of another kind",
       "[node]\nname = \"n\"\n[[ipvs.service]]\nname = \"web\"\nlisten = "
       "\"10.0.0.1:80\"\n[[ipvs.service.real]]\naddress = "
       "\"10.0.1.1:80\"\n[ipvs.service.check]\nkind = \"tcp\"\npath = \"/health\"\n",
       "t.toml:10:8: ipvs.service[0].check.path: applies only to http and https checks, not to "
       "kind \"tcp\""},
      {"check bad status",
       "[node]\nname = \"n\"\n[[ipvs.service]]\nname = \"web\"\nlisten = "
       "\"10.0.0.1:80\"\n[[ipvs.service.real]]\naddress = "
       "\"10.0.1.1:80\"\n[ipvs.service.check]\nkind = \"http\"\nstatus = [\"20x\"]\n",
       "t.toml:10:10: ipvs.service[0].check.status: expected status codes like \"200\", "
       "\"200-299\" or \"2xx\", found string \"20x\""},
      {"http route to an unknown pool",
       "[node]\nname = \"n\"\n[[proxy.http]]\nname = \"web\"\nlisten = \"127.0.0.1:80\"\n"
       "[[proxy.http.pool]]\nname = \"a\"\nservers = [\"10.0.0.1:80\"]\n"
       "[[proxy.http.route]]\npool = \"b\"\n",
       "t.toml:10:8: proxy.http[0].route[0].pool: no [[proxy.http.pool]] named \"b\" in this "
       "listener"},
      {"http pool server by name",
       "[node]\nname = \"n\"\n[[proxy.http]]\nname = \"web\"\nlisten = \"127.0.0.1:80\"\n"
       "[[proxy.http.pool]]\nname = \"a\"\nservers = [\"web1:80\"]\n",
       "t.toml:8:12: proxy.http[0].pool[0].servers[0]: expected a numeric IPv4 address and "
       "port like \"10.0.2.1:143\", found string \"web1:80\""},
      {"standalone probe without target",
       "[node]\nname = \"n\"\n[[probe.check]]\nname = \"gw\"\nkind = \"tcp\"\n",
       "t.toml:3:1: probe.check[0].target: missing required key (expected a string)"},
      {"syntax error", "[node\nname = \"n\"\n",
       "t.toml:1:6: TOML syntax: Error while parsing table header: expected ']', saw '\\n'"},
  };
  for (auto& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      auto r = load(c.text);
      BOOST_TEST(!r.config.has_value());
      BOOST_REQUIRE(!r.errors.empty());
      BOOST_TEST(r.errors.front().render() == c.message);
    }
  }
}

BOOST_AUTO_TEST_CASE(every_error_in_a_file_is_reported_in_one_run) {
  auto r =
      load("[node]\nname = \"n\"\nbogus = 1\n[supervision]\nmax_restarts = 5000\nperiod = 3\n");
  BOOST_TEST(r.errors.size() == 3u, all_errors(r));
}

BOOST_AUTO_TEST_CASE(a_value_out_of_its_range_names_file_line_column_and_key_path) {
  // The shape every section's checks share, here on a VRRP-like schema (priority 1..254).
  toml::table doc =
      toml::parse(std::string_view("[[vrrp.instance]]\nname = \"VI_1\"\npriority = 300\n"),
                  std::string_view("vrrp.toml"));
  config_errors errors;
  source_context ctx{"vrrp.toml", "/", &errors};
  table_reader root(doc, "", ctx);
  auto vrrp = root.table("vrrp");
  BOOST_REQUIRE(vrrp.has_value());
  auto instances = vrrp->array_of_tables("instance");
  BOOST_REQUIRE(instances.size() == 1u);
  instances[0].string("name", true);
  BOOST_TEST(!instances[0].integer("priority", 1, 254).has_value());
  BOOST_REQUIRE(errors.size() == 1u);
  BOOST_TEST(errors[0].render() ==
             "vrrp.toml:3:12: vrrp.instance[0].priority: expected an integer in 1..254, found "
             "integer 300");
}

BOOST_AUTO_TEST_CASE(relative_paths_resolve_against_the_config_folder) {
  auto r = load("[node]\nname = \"n\"\n[log]\nfile = \"logs/../logs/node.log\"\n");
  BOOST_REQUIRE(r.config.has_value());
  BOOST_TEST(r.config->log.file->string() == "/etc/hamesh/logs/node.log");
  auto abs = load("[node]\nname = \"n\"\n[log]\nfile = \"/var/log/n.log\"\n");
  BOOST_REQUIRE(abs.config.has_value());
  BOOST_TEST(abs.config->log.file->string() == "/var/log/n.log");
  // The same rule for [tls] files, which are checked where the config's folder says.
  auto tls = load(
      "[node]\nname = \"n\"\n[tls]\nca = \"pki/ca.pem\"\ncertificate = \"/dev/null\"\nkey = "
      "\"/dev/null\"\n");
  BOOST_REQUIRE(!tls.errors.empty());
  BOOST_TEST(tls.errors[0].render() ==
             "t.toml:4:6: tls.ca: cannot read \"/etc/hamesh/pki/ca.pem\"");
}

BOOST_AUTO_TEST_CASE(a_minimal_config_gets_the_documented_defaults) {
  auto r = load("[node]\nname = \"n\"\n");
  BOOST_REQUIRE(r.config.has_value());
  auto& c = *r.config;
  BOOST_TEST(!c.mesh.enabled);
  BOOST_TEST(!c.tls.enabled);
  BOOST_TEST(!c.demo.enabled);
  BOOST_TEST(c.log.level == "info");
  BOOST_TEST(c.supervision.root.max_restarts == 5u);
  BOOST_TEST((c.supervision.root.period == 30s));
  // DESIGN.md's strategies per function subtree.
  BOOST_TEST((c.subtree("lb").strategy == hamesh::supervision::strategy::rest_for_one));
  BOOST_TEST((c.subtree("proxy").strategy == hamesh::supervision::strategy::one_for_one));
  BOOST_TEST((c.subtree("storage").strategy == hamesh::supervision::strategy::one_for_all));
}

BOOST_AUTO_TEST_CASE(subtree_settings_override_the_node_defaults) {
  auto r = load(
      "[node]\nname = \"n\"\n[supervision]\nmax_restarts = 7\nperiod = \"1m\"\n"
      "[supervision.demo]\nstrategy = \"rest_for_one\"\nmax_restarts = 2\n");
  BOOST_REQUIRE(r.config.has_value());
  auto demo = r.config->subtree("demo");
  BOOST_TEST((demo.strategy == hamesh::supervision::strategy::rest_for_one));
  BOOST_TEST(demo.intensity.max_restarts == 2u);
  BOOST_TEST((demo.intensity.period == 1min));  // inherited from [supervision]
}

BOOST_AUTO_TEST_CASE(tickers_are_read_with_their_settings) {
  auto r = load(
      "[node]\nname = \"n\"\n[[demo.ticker]]\nname = \"a\"\ninterval = \"250ms\"\nfail_after = 3\n"
      "restart = \"transient\"\n[[demo.ticker]]\nname = \"b\"\n");
  BOOST_REQUIRE(r.config.has_value());
  auto& t = r.config->demo.tickers;
  BOOST_REQUIRE(t.size() == 2u);
  BOOST_TEST((t[0].interval == 250ms));
  BOOST_TEST(t[0].fail_after == 3u);
  BOOST_TEST((t[0].restart == hamesh::supervision::restart_type::transient));
  BOOST_TEST((t[1].interval == 1s));
  BOOST_TEST(t[0].fingerprint() != t[1].fingerprint());
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_an_error_not_a_crash) {
  auto r = load_node_config("/nonexistent/hamesh.toml");
  BOOST_REQUIRE(r.errors.size() == 1u);
  BOOST_TEST(r.errors[0].render() == "/nonexistent/hamesh.toml: cannot open the file for reading");
}

BOOST_AUTO_TEST_SUITE_END()
