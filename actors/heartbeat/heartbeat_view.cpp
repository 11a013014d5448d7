// hameshctl's `heartbeat`: per pair, the peer and this node's role, each link's state and last
// heard, the resources and their state, the drops by reason, and the last takeover with its
// timeline (each step's offset from the decision and how long it took).
#include <nlohmann/json.hpp>

#include "tools/hameshctl/state_view.hpp"

namespace hamesh::ctl {
namespace {

using nlohmann::json;

std::string ms_or_dash(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return "-";
  return human_duration_ms(it->get<int64_t>()) + " ago";
}

std::string n(const json& j, const char* key) {
  return std::to_string(j.value(key, uint64_t{0}));
}

std::string run_text(const json& run) {
  if (!run.is_object()) return "";
  std::string out = run.value("kind", "") + " at " +
                    clock_time(run.value("started_at_ms", int64_t{0})) + ": " +
                    run.value("reason", "") + "\n  -> " + run.value("result", "") + " (" +
                    run.value("summary", "") + ")";
  if (run.contains("took_ms") && run["took_ms"].is_number())
    out += " in " + human_duration_ms(run["took_ms"].get<int64_t>());
  out += "\n";
  std::vector<std::vector<std::string>> rows{
      {"  +AT", "STEP", "ACTION", "STATUS", "TOOK", "DETAIL"}};
  for (auto& e : run.value("timeline", json::array()))
    rows.push_back({"  +" + std::to_string(e.value("at_ms", int64_t{0})) + "ms",
                    e.value("name", ""),
                    e.value("action", "") + (e.value("rollback", false) ? " (rollback)" : ""),
                    e.value("status", ""), std::to_string(e.value("took_ms", int64_t{0})) + "ms",
                    e.value("reason", "")});
  return out + table(rows);
}

}  // namespace

std::string render_heartbeat(const actor_state& root) {
  std::vector<const actor_state*> pairs;
  collect_kind(root, "heartbeat", pairs);
  if (pairs.empty()) return "no heartbeat pair on this node\n";
  std::string out;
  for (auto* s : pairs) {
    auto f = json::parse(s->fields_json, nullptr, false);
    if (!f.is_object() || s->status != "running") {
      out += s->path + ": " + s->status + "\n";
      continue;
    }
    auto peer = f.value("peer", json::object());
    std::vector<std::vector<std::string>> top{
        {"PAIR", "SELF", "ROLE", "PEER", "PEER-STATE", "PEER-ROLE", "LAST-HEARD", "HEARS-US"}};
    top.push_back({f.value("pair", ""), f.value("self", ""), f.value("role", ""),
                   peer.value("name", ""), peer.value("state", ""), peer.value("role", ""),
                   ms_or_dash(peer, "last_heard_ms"),
                   peer.value("hears_us", false) ? "yes" : "no"});
    out += table(top);
    auto yes_no = [](const json& j, const char* key) {
      auto it = j.find(key);
      return it == j.end() || !it->is_boolean() ? std::string("?") : *it ? "yes" : "no";
    };
    auto preferred = f.value("preferred", json());
    out += "can serve: this node " + yes_no(f, "can_serve") + ", peer " +
           yes_no(peer, "can_serve") + "; degraded: this node " + yes_no(f, "degraded") +
           ", peer " + yes_no(peer, "degraded") + "; auto_failback " +
           (f.value("auto_failback", false) ? "on" : "off") +
           (preferred.is_string() ? ", preferred " + preferred.get<std::string>() : "") + "\n\n";

    std::vector<std::vector<std::string>> links{{"LINK", "TRANSPORT", "LISTEN", "TO", "STATE",
                                                 "LAST-HEARD", "FIRST/LATER", "SENT", "SEND-ERRORS",
                                                 "FAILURES"}};
    for (auto& l : f.value("links", json::array()))
      links.push_back({l.value("name", ""), l.value("transport", ""), l.value("listen", ""),
                       l.value("to", ""), l.value("state", ""), ms_or_dash(l, "last_heard_ms"),
                       n(l, "first_copies") + "/" + n(l, "later_copies"), n(l, "sent"),
                       n(l, "send_errors"), n(l, "failures")});
    out += table(links) + "\n";

    std::vector<std::vector<std::string>> resources{{"RESOURCE", "KIND", "STATE", "TIMEOUT"}};
    for (auto& r : f.value("resources", json::array()))
      resources.push_back(
          {r.value("name", ""), r.value("kind", ""), r.value("state", ""), r.value("timeout", "")});
    out += table(resources);

    std::string dropped;
    auto drops = f.value("dropped", json::object());  // items() must not outlive it
    for (auto& [reason, count] : drops.items())
      if (count.is_number() && count.get<uint64_t>() > 0)
        dropped +=
            (dropped.empty() ? "" : ", ") + reason + " " + std::to_string(count.get<uint64_t>());
    out += "accepted " + n(f, "accepted") + ", dropped: " + (dropped.empty() ? "none" : dropped) +
           "\n";
    auto fence = f.value("fence", json());
    if (fence.is_object())
      out += "fence: " + fence.value("command", "") + " (" + fence.value("policy", "") + ", " +
             n(fence, "runs") + " runs, " + n(fence, "failures") + " failed)\n";
    auto last = f.value("last_takeover", json());
    out += last.is_object() ? "last takeover: " + run_text(last) : "no takeover yet\n";
    auto release = f.value("last_release", json());
    if (release.is_object()) out += "last release: " + run_text(release);
    out += "\n";
  }
  return out;
}

}  // namespace hamesh::ctl
