// http_engine end to end: real sockets on 127.0.0.1, backends and clients written here.
#include "actors/proxy/http/http_engine.hpp"

#include <boost/test/unit_test.hpp>
#include <memory>
#include <stdexcept>
#include <string>

#include "tests/unit/http/http_test_peers.hpp"

using namespace hamesh::proxy::http;
using namespace http_test;
using namespace std::chrono_literals;

namespace {

constexpr uint32_t loopback = 0x7f000001;

http_pool_settings pool(std::string name, std::vector<uint16_t> ports,
                        http_balance balance = http_balance::round_robin) {
  http_pool_settings p;
  p.name = std::move(name);
  for (auto port : ports) p.servers.push_back({loopback, port});
  p.balance = balance;
  return p;
}

http_engine_settings settings_with(std::vector<http_pool_settings> pools,
                                   std::optional<std::string> default_pool) {
  http_engine_settings s;
  s.address = loopback;
  s.port = 0;
  s.pools = std::move(pools);
  s.default_pool = std::move(default_pool);
  return s;
}

std::unique_ptr<http_engine> started(http_engine_settings s) {
  auto engine = std::make_unique<http_engine>(std::move(s));
  auto error = engine->start();
  BOOST_TEST_REQUIRE(error.empty(), error);
  BOOST_TEST_REQUIRE(engine->port() != 0);
  return engine;
}

// A backend answering every request with `name` and the path it got.
backend::handler echo(std::string name) {
  return [name](const message& r) {
    auto path = r.head.substr(r.head.find(' ') + 1);
    path = path.substr(0, path.find(' '));
    return ok(name + " " + path);
  };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_engine_tests)

BOOST_AUTO_TEST_CASE(path_prefix_routes_to_static_pool_and_the_rest_to_default) {
  backend a(echo("A")), b(echo("B"));
  auto s = settings_with({pool("static", {a.port()}), pool("dynamic", {b.port()})}, "dynamic");
  http_route_rule r;
  r.pool = "static";
  r.path_prefix = "/static/";
  s.routes.push_back(r);
  auto engine = started(s);
  client c(engine->port());
  c.send("GET /static/app.css HTTP/1.1\r\nHost: x\r\n\r\n");
  auto first = c.response();
  BOOST_TEST(first.status == 200);
  BOOST_TEST(first.body == "A /static/app.css");
  c.send("GET /cart HTTP/1.1\r\nHost: x\r\n\r\n");
  auto second = c.response();
  BOOST_TEST(second.body == "B /cart");
  BOOST_TEST(engine->counters().requests.load() == 2u);
  BOOST_TEST(engine->counters().responses[1].load() == 2u);
}

BOOST_AUTO_TEST_CASE(keep_alive_requests_reuse_one_backend_connection) {
  backend b(echo("B"));
  auto engine = started(settings_with({pool("p", {b.port()})}, "p"));
  client c(engine->port());
  for (int i = 0; i < 3; ++i) {
    c.send("GET /r" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    auto m = c.response();
    BOOST_TEST(m.status == 200);
    BOOST_TEST(m.body == "B /r" + std::to_string(i));
    BOOST_TEST(header(m.head, "Connection") == "");
  }
  BOOST_TEST(b.accepts() == 1);
  BOOST_TEST(engine->open_connections() == 1u);
}

BOOST_AUTO_TEST_CASE(pipelined_requests_are_answered_in_order) {
  backend b(echo("B"));
  auto engine = started(settings_with({pool("p", {b.port()})}, "p"));
  client c(engine->port());
  c.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(c.response().body == "B /one");
  BOOST_TEST(c.response().body == "B /two");
}

BOOST_AUTO_TEST_CASE(chunked_post_body_arrives_intact_and_forwarded_headers_are_set) {
  backend b([](const message& r) { return ok("got " + std::to_string(r.body.size())); });
  auto engine = started(settings_with({pool("p", {b.port()})}, "p"));
  client c(engine->port());
  std::string chunked = "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";
  c.send(
      "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
      "Connection: keep-alive, X-Secret\r\nX-Secret: s\r\nX-Forwarded-Proto: https\r\n"
      "Upgrade: websocket\r\n\r\n" +
      chunked);
  auto m = c.response();
  BOOST_TEST(m.status == 200);
  auto got = b.requests();
  BOOST_TEST_REQUIRE(got.size() == 1u);
  BOOST_TEST(got[0].body == chunked);
  BOOST_TEST(header(got[0].head, "Transfer-Encoding") == "chunked");
  BOOST_TEST(header(got[0].head, "X-Forwarded-For") == "127.0.0.1");
  BOOST_TEST(header(got[0].head, "X-Forwarded-Proto") == "http");
  BOOST_TEST(header(got[0].head, "X-Secret") == "");  // named in Connection: hop-by-hop
  BOOST_TEST(header(got[0].head, "Connection") == "");
  BOOST_TEST(header(got[0].head, "Upgrade") == "");
}

BOOST_AUTO_TEST_CASE(no_route_is_404_and_closed) {
  backend b(echo("B"));
  auto s = settings_with({pool("p", {b.port()})}, std::nullopt);
  http_route_rule r;
  r.pool = "p";
  r.path_prefix = "/api/";
  s.routes.push_back(r);
  auto engine = started(s);
  client c(engine->port());
  c.send("GET /elsewhere HTTP/1.1\r\nHost: x\r\n\r\n");
  auto m = c.response();
  BOOST_TEST(m.status == 404);
  BOOST_TEST(header(m.head, "Connection") == "close");
  BOOST_TEST(c.closed());
  BOOST_TEST(engine->counters().not_found.load() == 1u);
  BOOST_TEST(b.accepts() == 0);
}

BOOST_AUTO_TEST_CASE(all_servers_marked_down_is_503) {
  backend b(echo("B"));
  auto engine = started(settings_with({pool("p", {b.port()})}, "p"));
  BOOST_TEST(engine->set_server_up("p", 0, false));
  BOOST_TEST(!engine->set_server_up("nope", 0, false));
  BOOST_TEST(eventually([&] { return !engine->counters().server(0, 0).up.load(); }));
  {
    client c(engine->port());
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    BOOST_TEST(c.response().status == 503);
    BOOST_TEST(engine->counters().unavailable.load() == 1u);
  }
  engine->set_server_up("p", 0, true);
  BOOST_TEST(eventually([&] { return engine->counters().server(0, 0).up.load(); }));
  client c(engine->port());
  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(c.response().status == 200);
}

BOOST_AUTO_TEST_CASE(refusing_backend_is_502) {
  auto engine = started(settings_with({pool("p", {refused_port()})}, "p"));
  client c(engine->port());
  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  auto m = c.response();
  BOOST_TEST(m.status == 502);
  BOOST_TEST(c.closed());
  BOOST_TEST(engine->counters().bad_gateway.load() == 1u);
  BOOST_TEST(engine->counters().server(0, 0).failures.load() >= 1u);
}

BOOST_AUTO_TEST_CASE(silent_backend_is_504) {
  backend b([](const message&) { return answer{"", true}; });
  auto s = settings_with({pool("p", {b.port()})}, "p");
  s.backend_response_timeout = 200ms;
  auto engine = started(s);
  client c(engine->port());
  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(c.response().status == 504);
  BOOST_TEST(engine->counters().gateway_timeout.load() == 1u);
}

BOOST_AUTO_TEST_CASE(idempotent_get_is_retried_on_another_server) {
  backend good(echo("good"));
  auto engine = started(settings_with({pool("p", {refused_port(), good.port()})}, "p"));
  for (int i = 0; i < 2; ++i) {  // whichever server round robin picks first
    client c(engine->port());
    c.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
    auto m = c.response();
    BOOST_TEST(m.status == 200);
    BOOST_TEST(m.body == "good /x");
  }
  BOOST_TEST(engine->counters().server(0, 0).failures.load() >= 1u);
}

BOOST_AUTO_TEST_CASE(post_to_a_refusing_server_is_not_retried) {
  backend good(echo("good"));
  auto engine = started(settings_with({pool("p", {refused_port(), good.port()})}, "p"));
  client c(engine->port());  // round robin starts at the refusing server
  c.send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
  BOOST_TEST(c.response().status == 502);
}

BOOST_AUTO_TEST_CASE(passive_detection_takes_a_refusing_server_out) {
  backend good(echo("good"));
  auto s = settings_with({pool("p", {refused_port(), good.port()})}, "p");
  s.failures_to_mark_down = 2;
  s.down_cooldown = 60s;
  auto engine = started(s);
  for (int i = 0; i < 6; ++i) {
    client c(engine->port());
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    BOOST_TEST(c.response().status == 200);
  }
  BOOST_TEST(engine->counters().server(0, 0).failures.load() == 2u);
  BOOST_TEST(!engine->counters().server(0, 0).up.load());
  BOOST_TEST(engine->counters().server(0, 1).up.load());
}

BOOST_AUTO_TEST_CASE(content_length_with_transfer_encoding_is_400_and_closed) {
  backend b(echo("B"));
  auto engine = started(settings_with({pool("p", {b.port()})}, "p"));
  client c(engine->port());
  c.send(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
      "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
  auto m = c.response();
  BOOST_TEST(m.status == 400);
  BOOST_TEST(c.closed());
  BOOST_TEST(b.accepts() == 0);
  BOOST_TEST(engine->counters().parse_errors.load() == 1u);
}

BOOST_AUTO_TEST_CASE(oversized_header_is_431) {
  backend b(echo("B"));
  auto s = settings_with({pool("p", {b.port()})}, "p");
  s.limits.max_head = 1024;
  auto engine = started(s);
  client c(engine->port());
  c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
  BOOST_TEST(c.response().status == 431);
  BOOST_TEST(c.closed());
}

BOOST_AUTO_TEST_CASE(slowloris_gets_408_and_is_closed) {
  backend b(echo("B"));
  auto s = settings_with({pool("p", {b.port()})}, "p");
  s.request_head_timeout = 300ms;
  auto engine = started(s);
  client c(engine->port());
  auto begun = std::chrono::steady_clock::now();
  c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  auto m = c.response();
  BOOST_TEST(m.status == 408);
  BOOST_TEST(c.closed());
  BOOST_TEST((std::chrono::steady_clock::now() - begun < 5s));
  BOOST_TEST(engine->counters().request_timeout.load() == 1u);
  BOOST_TEST(eventually([&] { return engine->open_connections() == 0u; }));
}

BOOST_AUTO_TEST_CASE(head_response_carries_no_body) {
  backend b(
      [](const message&) { return answer{"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"}; });
  auto engine = started(settings_with({pool("p", {b.port()})}, "p"));
  client c(engine->port());
  c.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
  auto m = c.response(true);
  BOOST_TEST(m.status == 200);
  BOOST_TEST(header(m.head, "Content-Length") == "1234");
  // The connection goes on: a body would have been taken for the next response.
  c.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(c.response(true).status == 200);
  BOOST_TEST(b.accepts() == 1);
}

BOOST_AUTO_TEST_CASE(response_split_byte_by_byte_arrives_intact) {
  backend b([](const message&) {
    auto a = ok("split into single bytes", "X-Test: yes\r\n");
    a.byte_by_byte = true;
    return a;
  });
  auto engine = started(settings_with({pool("p", {b.port()})}, "p"));
  client c(engine->port());
  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  auto m = c.response();
  BOOST_TEST(m.status == 200);
  BOOST_TEST(header(m.head, "X-Test") == "yes");
  BOOST_TEST(m.body == "split into single bytes");
}

BOOST_AUTO_TEST_CASE(connection_close_request_gets_connection_close_and_is_closed) {
  backend b(echo("B"));
  auto engine = started(settings_with({pool("p", {b.port()})}, "p"));
  client c(engine->port());
  c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto m = c.response();
  BOOST_TEST(m.status == 200);
  BOOST_TEST(header(m.head, "Connection") == "close");
  BOOST_TEST(c.closed());
}

BOOST_AUTO_TEST_CASE(stop_accepting_closes_the_listener_and_idle_clients) {
  backend b(echo("B"));
  auto engine = started(settings_with({pool("p", {b.port()})}, "p"));
  client c(engine->port());
  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(c.response().status == 200);
  engine->stop_accepting();
  BOOST_TEST(c.closed());
  BOOST_TEST(eventually([&] { return engine->open_connections() == 0u; }));
  BOOST_CHECK_THROW(client late(engine->port()), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(large_response_passes_through_the_output_cap_intact) {
  std::string big(3 * 1024 * 1024, 'x');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = char('a' + (i / 4096) % 26);
  backend b([&big](const message&) { return ok(big); });
  auto s = settings_with({pool("p", {b.port()})}, "p");
  s.output_buffer_cap = 64 * 1024;
  auto engine = started(s);
  client c(engine->port());
  c.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
  auto m = c.response();
  BOOST_TEST(m.status == 200);
  BOOST_TEST((m.body == big));
  c.send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST((c.response().body == big));
  BOOST_TEST(b.accepts() == 1);
}

// The engine's per-connection handler is the proxy's unit of failure: one that throws (here
// the access-log hook, on one request) costs that connection, never the listener or the other
// clients (issue #6: "a handler that crashes costs one connection").
BOOST_AUTO_TEST_CASE(a_handler_that_throws_costs_only_its_connection) {
  backend b(echo("B"));
  auto s = settings_with({pool("p", {b.port()})}, "p");
  s.access_log = [](const http_access_record& r) {
    if (r.target == "/boom") throw std::runtime_error("access log failed");
  };
  auto engine = started(s);
  client bystander(engine->port());
  bystander.send("GET /before HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(bystander.response().body == "B /before");
  client victim(engine->port());
  victim.send("GET /boom HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(victim.closed());
  BOOST_TEST(engine->counters().handler_failures.load() == 1u);
  bystander.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(bystander.response().body == "B /after");
  client newcomer(engine->port());
  newcomer.send("GET /new HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(newcomer.response().body == "B /new");
}

BOOST_AUTO_TEST_SUITE_END()
