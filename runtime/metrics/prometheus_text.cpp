#include "runtime/metrics/prometheus_text.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

namespace hamesh::metrics {
namespace {

struct family {
  std::string type;
  std::string help;
  std::vector<std::string> samples;  // "{labels} value"
};

using families = std::map<std::string, family>;  // sorted by name: stable output

std::string labels_text(const std::vector<std::pair<std::string, std::string>>& labels) {
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i)
    out += (i ? "," : "") + labels[i].first + "=\"" + escape_label(labels[i].second) + "\"";
  return out + "}";
}

std::string number(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

void add(families& out, const std::string& name, const std::string& type, const std::string& help,
         const std::vector<std::pair<std::string, std::string>>& labels, double value) {
  auto& f = out[name];
  f.type = type;
  if (f.help.empty()) f.help = help;
  f.samples.push_back(labels_text(labels) + " " + number(value));
}

bool valid_metric_name(const std::string& n) {
  if (n.empty()) return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return !(n[0] >= '0' && n[0] <= '9');
}

void walk(families& out, const std::string& node, const actor_state& s) {
  std::vector<std::pair<std::string, std::string>> base{
      {"node", node}, {"path", s.path}, {"kind", s.kind}};
  add(out, "hamesh_actor_up", "gauge", "1 when the actor is running (or degraded, for the node).",
      base, s.status == "running" || s.status == "degraded" ? 1 : 0);
  add(out, "hamesh_actor_restarts_total", "counter", "Restarts of the actor by its supervisor.",
      base, s.restarts);
  if (s.uptime_ms >= 0)
    add(out, "hamesh_actor_uptime_seconds", "gauge", "Time since the actor was last started.", base,
        s.uptime_ms / 1000.0);
  auto fields = nlohmann::json::parse(s.fields_json, nullptr, false);
  if (fields.is_object() && fields.contains("metrics") && fields["metrics"].is_array()) {
    for (auto& m : fields["metrics"]) {
      if (!m.is_object() || !m.contains("name") || !m["name"].is_string() || !m.contains("value") ||
          !m["value"].is_number())
        continue;
      std::string name = "hamesh_" + m["name"].get<std::string>();
      if (!valid_metric_name(name)) continue;
      std::string type = m.value("type", "gauge");
      if (type != "counter" && type != "gauge") type = "untyped";
      auto labels = base;
      if (m.contains("labels") && m["labels"].is_object())
        for (auto& [k, v] : m["labels"].items())
          if (valid_metric_name(k) && v.is_string()) labels.emplace_back(k, v.get<std::string>());
      add(out, name, type, m.value("help", ""), labels, m["value"].get<double>());
    }
  }
  for (auto& c : s.children) walk(out, node, c);
}

}  // namespace

std::string escape_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string render_prometheus(const actor_state& root) {
  families out;
  auto fields = nlohmann::json::parse(root.fields_json, nullptr, false);
  bool degraded = fields.is_object() && fields.value("degraded", false);
  add(out, "hamesh_node_degraded", "gauge",
      "1 when an escalation reached the node's top (the node gives up what it holds).",
      {{"node", root.name}}, degraded ? 1 : 0);
  walk(out, root.name, root);
  std::string text;
  for (auto& [name, f] : out) {
    if (!f.help.empty()) text += "# HELP " + name + " " + f.help + "\n";
    text += "# TYPE " + name + " " + f.type + "\n";
    for (auto& sample : f.samples) text += name + sample + "\n";
  }
  return text;
}

}  // namespace hamesh::metrics
