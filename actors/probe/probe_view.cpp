// hameshctl's `probes`: each check's verdict, its last attempt and when the verdict last
// changed.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "tools/hameshctl/state_view.hpp"

namespace hamesh::ctl {

std::string render_probes(const actor_state& root) {
  std::vector<const actor_state*> probes;
  collect_kind(root, "probe", probes);
  if (probes.empty()) return "no probes on this node\n";
  std::vector<std::vector<std::string>> rows{
      {"PROBE", "CHECK", "TARGET", "STATE", "LAST RESULT", "LATENCY", "LAST TRANSITION"}};
  for (auto* s : probes) {
    auto f = nlohmann::json::parse(s->fields_json, nullptr, false);
    if (!f.is_object() || s->status != "running") {
      rows.push_back({s->path, "", "", s->status, "", "", ""});
      continue;
    }
    std::string result = "-", latency = "-", transition = "-";
    auto last = f.value("last", nlohmann::json());
    if (last.is_object()) {
      result = std::string(last.value("ok", false) ? "ok: " : "FAIL: ") + last.value("detail", "");
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.1fms", last.value("latency_ms", 0.0));
      latency = buf;
    }
    auto transitions = f.value("transitions", nlohmann::json::array());
    if (!transitions.empty()) {
      auto& t = transitions.back();
      transition = t.value("from", "") + "->" + t.value("to", "") + " at " +
                   clock_time(t.value("at_ms", int64_t{0}));
    }
    rows.push_back(
        {s->path.substr(s->path.find("probe/") == std::string::npos ? 0
                                                                    : s->path.find("probe/") + 6),
         f.value("check", ""), f.value("target", ""), f.value("state", ""), result, latency,
         transition});
  }
  return table(rows);
}

}  // namespace hamesh::ctl
