#include "actors/proxy/http/http_proxy_config.hpp"

#include <set>

#include "actors/probe/probe_config.hpp"
#include "actors/proxy/http/http_router.hpp"
#include "config/name_rules.hpp"
#include "config/table_reader.hpp"
#include "config/tls_listener_keys.hpp"
#include "runtime/ipv4_text.hpp"

namespace hamesh::proxy::http {
namespace {

using namespace std::chrono_literals;

std::chrono::milliseconds ms(duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

}  // namespace

std::string http_listener_config::fingerprint() const {
  auto& e = engine;
  std::string out = "listen=" + format_ipv4(e.address) + ":" + std::to_string(e.port) + ";pools=";
  for (size_t i = 0; i < e.pools.size(); ++i) {
    auto& p = e.pools[i];
    bool checked = i < pool_checks.size() && pool_checks[i].has_value();
    out += p.name + (p.balance == http_balance::round_robin ? "/rr" : "/lc") + "/aff" +
           std::to_string(int(p.affinity)) + ":" + p.cookie_name + (checked ? "/checked" : "") +
           "[";
    for (auto& s : p.servers) out += format_ipv4(s.address) + ":" + std::to_string(s.port) + ",";
    out += "]";
  }
  out += ";routes=";
  for (auto& r : e.routes) {
    out += r.pool + "|" + r.host.value_or("") + "|" + r.path_prefix.value_or("") + "|" +
           r.path_regex.value_or("") + "|" + r.header_name.value_or("") + "=" +
           r.header_value.value_or("") + "|";
    for (auto& m : r.methods) out += m + " ";
    out += ";";
  }
  out += ";default=" + e.default_pool.value_or("") +
         ";limits=" + std::to_string(e.limits.max_head) + "," +
         std::to_string(e.limits.max_header_fields) + "," + std::to_string(e.limits.max_target) +
         "," + std::to_string(e.limits.max_body) +
         ";timeouts=" + std::to_string(e.client_idle_timeout.count()) + "," +
         std::to_string(e.request_head_timeout.count()) + "," +
         std::to_string(e.backend_connect_timeout.count()) + "," +
         std::to_string(e.backend_response_timeout.count()) +
         ";forwarded=" + (e.forwarded_headers ? "1" : "0") + ";access=" + access_log + ":" +
         access_log_file.string() + ";tunnel=" + std::to_string(e.tunnel_idle_timeout.count()) +
         ";redirect=" + (e.redirect_https_port ? std::to_string(*e.redirect_https_port) : "-");
  out += ";tls=" + config::tls_fingerprint(tls);
  return out;
}

std::string http_listener_config::probe_name(size_t pool, size_t server) const {
  auto& s = engine.pools[pool].servers[server];
  return "probe/http/" + name + "/" + engine.pools[pool].name + "/" + format_ipv4(s.address) + "_" +
         std::to_string(s.port);
}

probe::check_settings http_listener_config::check_for(size_t pool, size_t server) const {
  auto c = *pool_checks[pool];
  auto& s = engine.pools[pool].servers[server];
  c.host = format_ipv4(s.address);
  if (c.port == 0) c.port = s.port;
  return c;
}

std::vector<http_listener_config> parse_http_listeners(config::table_reader& proxy) {
  std::vector<http_listener_config> out;
  std::set<std::string> names;
  for (auto& t : proxy.array_of_tables("http")) {
    http_listener_config l;
    auto& e = l.engine;
    if (auto v = t.unique_name("name", names, "HTTP listener")) l.name = *v;
    if (auto ep = t.endpoint("listen", true)) {
      if (auto addr = parse_ipv4(ep->first)) {
        e.address = *addr;
        e.port = ep->second;
      } else {
        t.error("listen",
                "expected a numeric IPv4 address and port like \"10.0.0.100:80\", found \"" +
                    ep->first + "\"");
      }
    }
    std::set<std::string> pools;
    for (auto& p : t.array_of_tables("pool")) {
      http_pool_settings pool;
      if (auto v = p.unique_name("name", pools, "pool")) pool.name = *v;
      if (auto v = p.choice("balance", {"rr", "lc"}))
        pool.balance = *v == "rr" ? http_balance::round_robin : http_balance::least_connections;
      if (auto v = p.choice("affinity", {"none", "cookie", "source"}))
        pool.affinity = *v == "cookie"   ? http_affinity::cookie
                        : *v == "source" ? http_affinity::source
                                         : http_affinity::none;
      if (auto v = p.string("cookie")) {
        // RFC 6265 §4.1.1: a cookie-name is a token.
        bool ok = !v->empty() && v->find_first_of(" \t\"(),/:;<=>?@[\\]{}") == std::string::npos;
        if (!ok) p.error("cookie", "expected a cookie name (an HTTP token), found \"" + *v + "\"");
        pool.cookie_name = *v;
      }
      if (auto servers = p.ipv4_endpoint_array("servers", true))
        for (auto& [address, port] : *servers) pool.servers.push_back({address, port});
      std::optional<probe::check_settings> check;
      if (auto c = p.table("check")) {
        check = probe::parse_check(*c, "0.0.0.0", 0);  // aimed at each server by check_for()
        c->finish();
      }
      p.finish();
      e.pools.push_back(std::move(pool));
      l.pool_checks.push_back(std::move(check));
    }
    if (auto v = t.boolean("redirect_https"); v && *v) {
      e.redirect_https_port = 443;
      if (auto port = t.integer("https_port", 1, 65535)) e.redirect_https_port = uint16_t(*port);
    } else if (t.has("https_port")) {
      t.error("https_port", "only used with redirect_https = true");
    }
    config::read_tls_listener_keys(t, l.tls);
    if (!l.tls.certificates.empty() && e.redirect_https_port)
      t.error("redirect_https", "a TLS listener cannot redirect to https: it is https");
    if (e.pools.empty() && !e.redirect_https_port)
      t.error("pool", "expected at least one [[proxy.http.pool]]");
    auto known_pool = [&](config::table_reader& r, const std::string& key,
                          const std::string& name) {
      if (!pools.count(name))
        r.error(key, "no [[proxy.http.pool]] named \"" + name + "\" in this listener");
    };
    for (auto& r : t.array_of_tables("route")) {
      http_route_rule rule;
      if (auto v = r.string("pool", true)) {
        rule.pool = *v;
        known_pool(r, "pool", *v);
      }
      if (auto v = r.string("host")) rule.host = *v;
      if (auto v = r.string("path_prefix")) rule.path_prefix = *v;
      if (auto v = r.string("path_regex")) rule.path_regex = *v;
      if (auto v = r.string_array("methods")) rule.methods = *v;
      if (auto v = r.string("header")) rule.header_name = *v;
      if (auto v = r.string("header_value")) rule.header_value = *v;
      // The router checks what only it knows (regex syntax, host patterns, methods).
      auto built = http_router::make({rule});
      if (!built.router) r.error("", built.error.text);
      r.finish();
      e.routes.push_back(std::move(rule));
    }
    if (auto v = t.string("default_pool")) {
      known_pool(t, "default_pool", *v);
      e.default_pool = *v;
    } else if (e.pools.size() == 1) {
      e.default_pool = e.pools.front().name;  // one pool: everything goes there
    }
    if (auto v = t.duration_value("client_idle_timeout", 100ms, 1h)) e.client_idle_timeout = ms(*v);
    if (auto v = t.duration_value("tunnel_idle_timeout", 100ms, 24h))
      e.tunnel_idle_timeout = ms(*v);
    if (auto v = t.duration_value("request_head_timeout", 10ms, 10min))
      e.request_head_timeout = ms(*v);
    if (auto v = t.duration_value("backend_connect_timeout", 1ms, 10min))
      e.backend_connect_timeout = ms(*v);
    if (auto v = t.duration_value("backend_response_timeout", 10ms, 1h))
      e.backend_response_timeout = ms(*v);
    if (auto v = t.boolean("forwarded_headers")) e.forwarded_headers = *v;
    if (auto v = t.choice("access_log", {"off", "common", "json"})) l.access_log = *v;
    if (auto v = t.path("access_log_file")) l.access_log_file = *v;
    if (auto v = t.integer("max_header_bytes", 1024, 1 << 20)) e.limits.max_head = size_t(*v);
    if (auto v = t.integer("max_header_fields", 1, 10000)) e.limits.max_header_fields = size_t(*v);
    if (auto v = t.integer("max_target_bytes", 64, 1 << 20)) e.limits.max_target = size_t(*v);
    if (auto v = t.integer("max_body_bytes", 0, int64_t(1) << 40)) e.limits.max_body = uint64_t(*v);
    t.finish();
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace hamesh::proxy::http
