#include "tools/hameshctl/state_view.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <vector>

namespace hamesh::ctl {
namespace {

std::string failure_text(const actor_state& s) {
  if (s.last_failure.empty()) return "";
  return s.last_failure + " (" + human_duration_ms(s.last_failure_age_ms) + " ago)";
}

void collect(const actor_state& s, std::vector<std::vector<std::string>>& rows) {
  rows.push_back({s.path, s.kind, s.status, std::to_string(s.restarts),
                  human_duration_ms(s.uptime_ms), failure_text(s)});
  for (auto& c : s.children) collect(c, rows);
}

}  // namespace

std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(rows[0].size(), 0);
  for (auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  std::string out;
  for (auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string human_duration_ms(int64_t ms) {
  if (ms < 0) return "-";
  char buf[32];
  if (ms < 1000)
    std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(ms));
  else if (ms < 60'000)
    std::snprintf(buf, sizeof buf, "%.1fs", ms / 1000.0);
  else if (ms < 3'600'000)
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(ms / 60'000),
                  static_cast<long long>(ms / 1000 % 60));
  else if (ms < 86'400'000)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(ms / 3'600'000),
                  static_cast<long long>(ms / 60'000 % 60));
  else
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", static_cast<long long>(ms / 86'400'000),
                  static_cast<long long>(ms / 3'600'000 % 24));
  return buf;
}

std::string render_tree(const actor_state& root) {
  std::vector<std::vector<std::string>> rows{
      {"PATH", "KIND", "STATUS", "RESTARTS", "UPTIME", "LAST FAILURE"}};
  collect(root, rows);
  return table(rows);
}

std::string render_peers(const actor_state& mesh) {
  std::vector<std::vector<std::string>> rows{
      {"PEER", "NAME", "STATE", "SINCE", "RTT", "CONNECTS", "LAST ERROR"}};
  auto fields = nlohmann::json::parse(mesh.fields_json, nullptr, false);
  if (fields.is_object() && fields.contains("peers"))
    for (auto& p : fields["peers"]) {
      char rtt[32] = "-";
      if (p["rtt_us"].is_number())
        std::snprintf(rtt, sizeof rtt, "%.2fms", p["rtt_us"].get<double>() / 1000.0);
      rows.push_back({p.value("address", ""), p.value("name", ""), p.value("state", ""),
                      human_duration_ms(p.value("since_ms", int64_t{-1})), rtt,
                      std::to_string(p.value("connects", 0)),
                      p["last_error"].is_string() ? p["last_error"].get<std::string>() : ""});
    }
  return table(rows);
}

void collect_kind(const actor_state& s, const std::string& kind,
                  std::vector<const actor_state*>& out) {
  if (s.kind == kind) out.push_back(&s);
  for (auto& c : s.children) collect_kind(c, kind, out);
}

std::string clock_time(int64_t epoch_ms) {
  std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return std::string(buf) + "." + std::to_string(1000 + epoch_ms % 1000).substr(1);
}

std::string render_vrrp(const actor_state& root) {
  std::vector<const actor_state*> instances;
  collect_kind(root, "vrrp", instances);
  if (instances.empty()) return "no VRRP instances on this node\n";
  std::vector<std::vector<std::string>> rows{{"INSTANCE", "STATE", "PRIORITY", "MASTER", "VIPS",
                                              "SENT", "RECEIVED", "DROPPED", "LAST TRANSITION"}};
  std::string history;
  for (auto* s : instances) {
    auto f = nlohmann::json::parse(s->fields_json, nullptr, false);
    if (!f.is_object()) continue;
    std::string vips;
    const nlohmann::json vip_list = f.value("vips", nlohmann::json::array());
    for (auto& v : vip_list) vips += (vips.empty() ? "" : ",") + v.get<std::string>();
    uint64_t dropped = 0;
    const nlohmann::json by_reason = f.value("dropped", nlohmann::json::object());
    for (auto it = by_reason.begin(); it != by_reason.end(); ++it) dropped += it->get<uint64_t>();
    std::string last = "-";
    auto transitions = f.value("transitions", nlohmann::json::array());
    if (!transitions.empty()) {
      auto& t = transitions.back();
      last = t.value("from", "") + "->" + t.value("to", "") + " at " +
             clock_time(t.value("at_ms", int64_t{0}));
    }
    rows.push_back({f.value("instance", s->name) + " (" + f.value("interface", "") + " vrid " +
                        std::to_string(f.value("vrid", 0)) + ")",
                    s->status == "running" ? f.value("state", "?") : s->status,
                    std::to_string(f.value("priority", 0)) + "/" +
                        std::to_string(f.value("configured_priority", 0)),
                    f["master"].is_string() ? f["master"].get<std::string>() : "-", vips,
                    std::to_string(f.value("adverts_sent", 0)),
                    std::to_string(f.value("adverts_received", 0)), std::to_string(dropped), last});
    history += "\n" + f.value("instance", s->name) + " transitions:\n";
    for (auto& t : transitions)
      history += "  " + clock_time(t.value("at_ms", int64_t{0})) + "  " + t.value("from", "") +
                 " -> " + t.value("to", "") + "  (" + t.value("reason", "") + ")\n";
  }
  return table(rows) + history;
}

std::string render_actor(const actor_state& s) {
  std::string out;
  auto line = [&](const std::string& k, const std::string& v) {
    out += k + std::string(k.size() < 14 ? 14 - k.size() : 1, ' ') + v + "\n";
  };
  line("path", s.path);
  line("name", s.name);
  line("kind", s.kind);
  line("status", s.status);
  line("restarts", std::to_string(s.restarts));
  line("uptime", human_duration_ms(s.uptime_ms));
  line("last failure", s.last_failure.empty() ? "-" : failure_text(s));
  auto fields = nlohmann::json::parse(s.fields_json, nullptr, false);
  if (fields.is_object())
    for (auto& [k, v] : fields.items())
      if (k != "metrics")  // for /metrics; `--json show` still has them
        line(k, v.is_string() ? v.get<std::string>() : v.dump());
  if (!s.children.empty()) {
    out += "children\n";
    for (auto& c : s.children) out += "  " + c.path + "  " + c.kind + "  " + c.status + "\n";
  }
  return out;
}

std::string render_status(const actor_state& root) {
  auto fields = nlohmann::json::parse(root.fields_json, nullptr, false);
  bool degraded = fields.is_object() && fields.value("degraded", false);
  std::string out = "node      " + root.name + "\n";
  out += "status    " + root.status + "\n";
  out += "uptime    " + human_duration_ms(root.uptime_ms) + "\n";
  out += "degraded  " +
         std::string(degraded ? "yes: " + fields["degraded_reason"].get<std::string>() : "no") +
         "\n";
  out += "functions";
  if (root.children.empty()) out += " none";
  for (auto& c : root.children) out += " " + c.name + "(" + c.status + ")";
  out += "\n";
  for (auto& c : root.children) {
    if (c.kind != "mesh") continue;
    auto mesh = nlohmann::json::parse(c.fields_json, nullptr, false);
    if (!mesh.is_object() || !mesh.contains("peers")) continue;
    int up = 0, total = 0;
    for (auto& p : mesh["peers"]) {
      ++total;
      up += p.value("state", "") == "up";
    }
    if (total == 0) {
      out += "peers     none configured\n";
      continue;
    }
    out += "peers     " + std::to_string(up) + " up of " + std::to_string(total) + " (listen " +
           mesh.value("listen", "") + (mesh.value("tls", false) ? ", mutual TLS" : "") + ")\n";
  }
  return out;
}

}  // namespace hamesh::ctl
