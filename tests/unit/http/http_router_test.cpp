// The router: first matching rule wins, every matcher must match, a default takes the
// rest, and a bad rule is an error value at construction.
#include "actors/proxy/http/http_router.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace hamesh::proxy::http;

namespace {

http_router make_router(std::vector<http_route_rule> rules,
                        std::optional<std::string> default_pool = std::nullopt) {
  auto built = http_router::make(std::move(rules), std::move(default_pool));
  BOOST_TEST_REQUIRE(built.router.has_value(), built.error.text);
  return std::move(*built.router);
}

std::string pool_of(const http_router& r, std::string_view method, std::string_view host,
                    std::string_view path, const http_headers& headers = {}) {
  auto route = r.route(method, host, path, headers);
  return route ? std::string(route->pool) : "<none>";
}

http_route_rule rule(std::string pool) {
  http_route_rule r;
  r.pool = std::move(pool);
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_router_tests)

BOOST_AUTO_TEST_CASE(static_and_dynamic_split) {
  auto by_prefix = rule("static");
  by_prefix.path_prefix = "/static/";
  auto by_suffix = rule("static");
  by_suffix.path_regex = R"(\.(css|js|png|jpg|gif|ico|svg|woff2?)$)";
  auto router = make_router({by_prefix, by_suffix}, std::string("dynamic"));
  struct {
    const char* path;
    const char* pool;
  } cases[] = {
      {"/static/app.bin", "static"}, {"/css/site.css", "static"},
      {"/app.js", "static"},         {"/img/logo.png", "static"},
      {"/fonts/a.woff2", "static"},  {"/fonts/a.woff", "static"},
      {"/favicon.ico", "static"},    {"/", "dynamic"},
      {"/login", "dynamic"},         {"/app.json", "dynamic"},
      {"/a.css/edit", "dynamic"},    {"/staticx/a", "dynamic"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.path) {
      BOOST_TEST(pool_of(router, "GET", "example.com", c.path) == c.pool);
    }
  }
  auto route = router.route("GET", "h", "/app.js", {});
  BOOST_TEST_REQUIRE(route.has_value());
  BOOST_TEST(route->rule.value() == 1u);  // the index, for per-rule counters
  auto fallback = router.route("GET", "h", "/", {});
  BOOST_TEST_REQUIRE(fallback.has_value());
  BOOST_TEST(!fallback->rule.has_value());
}

BOOST_AUTO_TEST_CASE(first_matching_rule_wins) {
  auto api = rule("api");
  api.path_prefix = "/api/";
  auto api_v2 = rule("api-v2");
  api_v2.path_prefix = "/api/v2/";
  auto router = make_router({api, api_v2});
  BOOST_TEST(pool_of(router, "GET", "h", "/api/v2/x") == "api");  // order, not specificity
  auto reversed = make_router({api_v2, api});
  BOOST_TEST(pool_of(reversed, "GET", "h", "/api/v2/x") == "api-v2");
  BOOST_TEST(pool_of(reversed, "GET", "h", "/api/v1/x") == "api");
  BOOST_TEST(pool_of(reversed, "GET", "h", "/other") == "<none>");  // no default: caller's 404
}

BOOST_AUTO_TEST_CASE(host_exact_and_wildcard) {
  auto exact = rule("exact");
  exact.host = "Example.com";
  auto wild = rule("wild");
  wild.host = "*.example.com";
  auto router = make_router({exact, wild}, std::string("other"));
  BOOST_TEST(pool_of(router, "GET", "example.com", "/") == "exact");
  BOOST_TEST(pool_of(router, "GET", "EXAMPLE.COM:8080", "/") == "exact");
  BOOST_TEST(pool_of(router, "GET", "www.example.com", "/") == "wild");
  BOOST_TEST(pool_of(router, "GET", "a.b.Example.Com:443", "/") == "wild");
  BOOST_TEST(pool_of(router, "GET", "badexample.com", "/") == "other");
  BOOST_TEST(pool_of(router, "GET", ".example.com", "/") == "other");
  BOOST_TEST(pool_of(router, "GET", "example.com.evil", "/") == "other");
  BOOST_TEST(pool_of(router, "GET", "", "/") == "other");
}

BOOST_AUTO_TEST_CASE(methods_and_headers) {
  auto writes = rule("writer");
  writes.methods = {"POST", "PUT", "DELETE"};
  auto beta = rule("beta");
  beta.header_name = "X-Beta";
  auto mobile = rule("mobile");
  mobile.header_name = "x-client";
  mobile.header_value = "mobile";
  auto router = make_router({writes, mobile, beta}, std::string("main"));
  http_headers none;
  http_headers with_beta;
  with_beta.add("x-beta", "");
  http_headers clients;
  clients.add("X-Client", "desktop");
  clients.add("X-Client", "mobile");
  http_headers wrong_case;
  wrong_case.add("X-Client", "Mobile");
  BOOST_TEST(pool_of(router, "POST", "h", "/", none) == "writer");
  BOOST_TEST(pool_of(router, "post", "h", "/", none) == "main");  // methods are case-sensitive
  BOOST_TEST(pool_of(router, "GET", "h", "/", with_beta) == "beta");
  BOOST_TEST(pool_of(router, "GET", "h", "/", clients) == "mobile");   // any line may match
  BOOST_TEST(pool_of(router, "GET", "h", "/", wrong_case) == "main");  // values are exact
  BOOST_TEST(pool_of(router, "GET", "h", "/", none) == "main");
}

BOOST_AUTO_TEST_CASE(all_matchers_of_a_rule_must_match) {
  auto r = rule("admin");
  r.host = "admin.example.com";
  r.path_prefix = "/panel";
  r.methods = {"GET"};
  r.path_regex = "^/panel/[a-z]+$";
  r.header_name = "Authorization";
  auto router = make_router({r}, std::string("main"));
  http_headers auth;
  auth.add("Authorization", "Basic x");
  BOOST_TEST(pool_of(router, "GET", "admin.example.com", "/panel/users", auth) == "admin");
  BOOST_TEST(pool_of(router, "GET", "admin.example.com", "/panel/users", {}) == "main");
  BOOST_TEST(pool_of(router, "GET", "admin.example.com", "/panel/u5", auth) == "main");
  BOOST_TEST(pool_of(router, "GET", "www.example.com", "/panel/users", auth) == "main");
  BOOST_TEST(pool_of(router, "POST", "admin.example.com", "/panel/users", auth) == "main");
  BOOST_TEST(pool_of(make_router({rule("any")}), "X", "", "") == "any");  // no matchers
}

struct bad_rule_case {
  const char* what;
  http_route_rule rule;
  http_router_errc reason;
};

BOOST_AUTO_TEST_CASE(bad_rules_are_errors_at_construction) {
  auto bad_regex = rule("p");
  bad_regex.path_regex = "(unclosed";
  auto no_pool = rule("");
  auto bad_host = rule("p");
  bad_host.host = "a.*.com";
  auto star_only = rule("p");
  star_only.host = "*.";
  auto bad_method = rule("p");
  bad_method.methods = {"GE T"};
  auto value_only = rule("p");
  value_only.header_value = "v";
  auto bad_name = rule("p");
  bad_name.header_name = "X Y";
  const bad_rule_case cases[] = {
      {"bad regex", bad_regex, http_router_errc::bad_regex},
      {"no pool", no_pool, http_router_errc::empty_pool},
      {"inner wildcard", bad_host, http_router_errc::bad_host_pattern},
      {"bare wildcard", star_only, http_router_errc::bad_host_pattern},
      {"bad method", bad_method, http_router_errc::bad_method},
      {"value without name", value_only, http_router_errc::header_value_without_name},
      {"bad header name", bad_name, http_router_errc::bad_header_name},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      auto built = http_router::make({rule("ok"), c.rule});
      BOOST_TEST(!built.router.has_value());
      BOOST_TEST((built.error.reason == c.reason));
      BOOST_TEST(built.error.rule == 1u);
      BOOST_TEST(!built.error.text.empty());
    }
  }
  auto empty_default = http_router::make({}, std::string());
  BOOST_TEST((empty_default.error.reason == http_router_errc::empty_pool));
}

BOOST_AUTO_TEST_SUITE_END()
