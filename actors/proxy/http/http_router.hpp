#pragma once
// Which backend pool serves a request (pure): ordered rules, the first whose matchers all
// match wins; a default pool, if configured, takes the rest. Without one route() returns
// nullopt and the proxy answers 404 (no service for this host/path).
//
// Matchers (each optional; a rule with none matches everything):
// - host: exact, case-insensitive, port ignored; "*.example.com" matches any name ending in
//   ".example.com" with at least one label before it (a.example.com, a.b.example.com), not
//   example.com itself.
// - path_prefix: the path starts with it (case-sensitive, RFC 3986 §6.2.2.1).
// - path_regex: ECMAScript, searched in the path (anchor with ^ and $ as needed); compiled
//   once by make(). A match that std::regex cannot complete (error_complexity/error_stack)
//   counts as no match.
// - methods: the method is one of them (case-sensitive, RFC 9110 §9.1).
// - header_name [+ header_value]: a field with that name (case-insensitive) exists; with a
//   value, one such field's value equals it exactly.
#include <cstddef>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "actors/proxy/http/http_headers.hpp"

namespace hamesh::proxy::http {

struct http_route_rule {
  std::string pool;  // required
  std::optional<std::string> host;
  std::optional<std::string> path_prefix;
  std::optional<std::string> path_regex;
  std::vector<std::string> methods;  // empty: any method
  std::optional<std::string> header_name;
  std::optional<std::string> header_value;  // needs header_name
};

enum class http_router_errc {
  none,
  empty_pool,                 // a rule (or the default) names no pool
  bad_host_pattern,           // empty, or a "*" other than a leading "*." before a name
  bad_regex,                  // path_regex does not compile
  bad_method,                 // a method that is not a token
  header_value_without_name,  // header_value without header_name
  bad_header_name,            // header_name is not a token
};

const char* to_string(http_router_errc reason);

struct http_router_error {
  http_router_errc reason = http_router_errc::none;
  size_t rule = 0;  // index of the rule at fault (rules.size() for the default pool)
  std::string text;
};

struct http_route {
  std::string_view pool;       // points into the router (valid while it lives)
  std::optional<size_t> rule;  // the matching rule's index; nullopt: the default pool
};

class http_router {
 public:
  // Validates and compiles `rules`: the router, or the first rule's error.
  struct build_result;
  static build_result make(std::vector<http_route_rule> rules,
                           std::optional<std::string> default_pool = std::nullopt);

  // `host`: the request's host (http_request_head::host, port allowed); `path`: its path
  // without the query.
  std::optional<http_route> route(std::string_view method, std::string_view host,
                                  std::string_view path, const http_headers& headers) const;

  size_t rule_count() const { return rules_.size(); }

 private:
  struct compiled_rule {
    http_route_rule rule;
    std::optional<std::regex> regex;
  };
  bool matches(const compiled_rule& r, std::string_view method, std::string_view host,
               std::string_view path, const http_headers& headers) const;

  std::vector<compiled_rule> rules_;
  std::optional<std::string> default_pool_;
};

struct http_router::build_result {
  std::optional<http_router> router;
  http_router_error error;  // reason none when `router` is set
};

}  // namespace hamesh::proxy::http
