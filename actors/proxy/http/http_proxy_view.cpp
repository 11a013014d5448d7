// hameshctl's `proxies`: each HTTP listener with its traffic and errors by class, then every
// backend server of its pools with its state and load.
#include <nlohmann/json.hpp>

#include "tools/hameshctl/state_view.hpp"

namespace hamesh::ctl {

std::string render_proxies(const actor_state& root) {
  std::vector<const actor_state*> listeners;
  collect_kind(root, "http", listeners);
  if (listeners.empty()) {
    std::vector<const actor_state*> mail;
    collect_kind(root, "mail", mail);
    return mail.empty() ? "no proxy listeners on this node\n" : "";
  }
  std::vector<std::vector<std::string>> top{{"LISTENER", "LISTEN", "MODE", "OPEN", "REQUESTS",
                                             "REQ/S", "2XX", "4XX", "5XX",
                                             "ERRORS (404/408/502/503/504)", "TLS OK/FAILED"}};
  std::vector<std::vector<std::string>> servers{
      {"LISTENER", "POOL", "SERVER", "STATE", "ACTIVE", "REQUESTS", "FAILURES"}};
  for (auto* s : listeners) {
    auto f = nlohmann::json::parse(s->fields_json, nullptr, false);
    if (!f.is_object() || s->status != "running") {
      top.push_back({s->path, "", "", "", "", "", "", "", "", s->status, ""});
      continue;
    }
    auto n = [](const nlohmann::json& j, const char* key) {
      return std::to_string(j.value(key, uint64_t{0}));
    };
    auto r = f.value("responses", nlohmann::json::object());
    auto e = f.value("errors", nlohmann::json::object());
    // "https (2 certs, 1.2+)", "http -> https:443" or "http".
    std::string mode = "http", tls_counts = "-";
    auto tls = f.value("tls", nlohmann::json());
    if (tls.is_object()) {
      auto certs = tls.value("certificates", nlohmann::json::array()).size();
      mode = "https (" + std::to_string(certs) + (certs == 1 ? " cert, " : " certs, ") +
             tls.value("min_version", "") + "+)";
      tls_counts = n(tls, "handshakes") + "/" + n(tls, "failures");
    } else if (f.value("redirect_https", nlohmann::json()).is_number()) {
      mode = "http -> https:" + std::to_string(f["redirect_https"].get<int>());
    }
    top.push_back({f.value("listener", ""), f.value("listen", ""), mode, n(f, "open"),
                   n(f, "requests"),
                   std::to_string(static_cast<uint64_t>(f.value("requests_per_second", 0.0))),
                   n(r, "2xx"), n(r, "4xx"), n(r, "5xx"),
                   n(e, "not_found") + "/" + n(e, "request_timeout") + "/" + n(e, "bad_gateway") +
                       "/" + n(e, "unavailable") + "/" + n(e, "gateway_timeout"),
                   tls_counts});
    for (auto& pool : f.value("pools", nlohmann::json::array()))
      for (auto& srv : pool.value("servers", nlohmann::json::array()))
        servers.push_back({f.value("listener", ""),
                           pool.value("name", "") + " (" + pool.value("balance", "") + ")",
                           srv.value("address", ""), srv.value("up", false) ? "up" : "down",
                           n(srv, "active"), n(srv, "requests"), n(srv, "failures")});
  }
  return table(top) + "\n" + table(servers);
}

}  // namespace hamesh::ctl
