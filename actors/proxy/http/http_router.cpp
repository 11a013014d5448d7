#include "actors/proxy/http/http_router.hpp"

#include <utility>

#include "runtime/http_syntax.hpp"

namespace hamesh::proxy::http {
namespace {

bool host_matches(std::string_view pattern, std::string_view host) {
  host = host_without_port(host);
  if (pattern.size() > 2 && pattern[0] == '*' && pattern[1] == '.') {
    std::string_view suffix = pattern.substr(1);  // ".example.com"
    return host.size() > suffix.size() && iequals(host.substr(host.size() - suffix.size()), suffix);
  }
  return iequals(pattern, host);
}

bool valid_host_pattern(std::string_view pattern) {
  if (pattern.empty()) return false;
  if (pattern.size() > 2 && pattern[0] == '*' && pattern[1] == '.') pattern.remove_prefix(2);
  return !pattern.empty() && pattern.find('*') == std::string_view::npos;
}

}  // namespace

const char* to_string(http_router_errc reason) {
  switch (reason) {
    case http_router_errc::none:
      return "none";
    case http_router_errc::empty_pool:
      return "empty_pool";
    case http_router_errc::bad_host_pattern:
      return "bad_host_pattern";
    case http_router_errc::bad_regex:
      return "bad_regex";
    case http_router_errc::bad_method:
      return "bad_method";
    case http_router_errc::header_value_without_name:
      return "header_value_without_name";
    case http_router_errc::bad_header_name:
      return "bad_header_name";
  }
  return "?";
}

http_router::build_result http_router::make(std::vector<http_route_rule> rules,
                                            std::optional<std::string> default_pool) {
  build_result result;
  auto fail = [&result](http_router_errc reason, size_t index, std::string text) {
    result.error = {reason, index, std::move(text)};
    return std::move(result);
  };
  http_router router;
  for (size_t i = 0; i < rules.size(); ++i) {
    auto& rule = rules[i];
    if (rule.pool.empty()) return fail(http_router_errc::empty_pool, i, "rule names no pool");
    if (rule.host && !valid_host_pattern(*rule.host))
      return fail(http_router_errc::bad_host_pattern, i, "bad host pattern \"" + *rule.host + "\"");
    for (const auto& m : rule.methods)
      if (!is_token(m)) return fail(http_router_errc::bad_method, i, "bad method \"" + m + "\"");
    if (rule.header_value && !rule.header_name)
      return fail(http_router_errc::header_value_without_name, i, "header value without a name");
    if (rule.header_name && !is_token(*rule.header_name))
      return fail(http_router_errc::bad_header_name, i,
                  "bad header name \"" + *rule.header_name + "\"");
    compiled_rule compiled{std::move(rule), std::nullopt};
    if (compiled.rule.path_regex) {
      try {
        compiled.regex.emplace(*compiled.rule.path_regex, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        return fail(http_router_errc::bad_regex, i,
                    "bad path regex \"" + *compiled.rule.path_regex + "\": " + e.what());
      }
    }
    router.rules_.push_back(std::move(compiled));
  }
  if (default_pool && default_pool->empty())
    return fail(http_router_errc::empty_pool, rules.size(), "empty default pool");
  router.default_pool_ = std::move(default_pool);
  result.router.emplace(std::move(router));
  return result;
}

bool http_router::matches(const compiled_rule& r, std::string_view method, std::string_view host,
                          std::string_view path, const http_headers& headers) const {
  const http_route_rule& rule = r.rule;
  if (rule.host && !host_matches(*rule.host, host)) return false;
  if (rule.path_prefix && path.substr(0, rule.path_prefix->size()) != *rule.path_prefix)
    return false;
  if (!rule.methods.empty()) {
    bool any = false;
    for (const auto& m : rule.methods) any = any || m == method;
    if (!any) return false;
  }
  if (rule.header_name) {
    bool any = false;
    for (const auto& f : headers)
      if (iequals(f.name, *rule.header_name) &&
          (!rule.header_value || f.value == *rule.header_value))
        any = true;
    if (!any) return false;
  }
  if (r.regex) {
    // Last: the most expensive matcher. std::regex reports what it cannot finish by throwing;
    // that must not escape into the actor.
    try {
      if (!std::regex_search(path.begin(), path.end(), *r.regex)) return false;
    } catch (const std::regex_error&) {
      return false;
    }
  }
  return true;
}

std::optional<http_route> http_router::route(std::string_view method, std::string_view host,
                                             std::string_view path,
                                             const http_headers& headers) const {
  for (size_t i = 0; i < rules_.size(); ++i)
    if (matches(rules_[i], method, host, path, headers)) return http_route{rules_[i].rule.pool, i};
  if (default_pool_) return http_route{*default_pool_, std::nullopt};
  return std::nullopt;
}

}  // namespace hamesh::proxy::http
