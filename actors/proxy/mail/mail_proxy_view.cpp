// hameshctl's `proxies`, mail part: each POP3/IMAP listener with its connections by state and
// its logins, then every member of its storage pairs with its state and sessions.
#include <nlohmann/json.hpp>

#include "tools/hameshctl/state_view.hpp"

namespace hamesh::ctl {

std::string render_mail_proxies(const actor_state& root) {
  std::vector<const actor_state*> listeners;
  collect_kind(root, "mail", listeners);
  if (listeners.empty()) return "";
  std::vector<std::vector<std::string>> top{
      {"LISTENER", "PROTO", "LISTEN", "TLS", "OPEN", "PRELOGIN", "LOGGING-IN", "PROXYING",
       "LOGINS OK/FAILED/UNAVAILABLE", "REFUSED", "TIMEOUTS"}};
  std::vector<std::vector<std::string>> members{
      {"LISTENER", "PAIR", "MEMBER", "STATE", "SESSIONS", "LOGINS", "FAILURES"}};
  for (auto* s : listeners) {
    auto f = nlohmann::json::parse(s->fields_json, nullptr, false);
    if (!f.is_object() || s->status != "running") {
      top.push_back({s->path, "", "", "", "", "", "", "", s->status, "", ""});
      continue;
    }
    auto n = [](const nlohmann::json& j, const char* key) {
      return std::to_string(j.value(key, uint64_t{0}));
    };
    auto conns = f.value("connections", nlohmann::json::object());
    auto logins = f.value("logins", nlohmann::json::object());
    top.push_back({f.value("listener", ""), f.value("protocol", ""), f.value("listen", ""),
                   f.value("tls", ""), n(f, "open"), n(conns, "prelogin"), n(conns, "logging_in"),
                   n(conns, "proxying"),
                   n(logins, "ok") + "/" + n(logins, "failed") + "/" + n(logins, "unavailable"),
                   n(f, "refused_commands"), n(logins, "timeouts")});
    for (auto& pair : f.value("pairs", nlohmann::json::array()))
      for (auto& m : pair.value("members", nlohmann::json::array()))
        members.push_back({f.value("listener", ""), pair.value("name", ""), m.value("address", ""),
                           m.value("up", false) ? "up" : "down", n(m, "sessions"), n(m, "logins"),
                           n(m, "failures")});
  }
  return table(top) + "\n" + table(members);
}

}  // namespace hamesh::ctl
