// hameshctl's `ipvs`: the table an LVS operator knows from `ipvsadm -Ln`, with the columns
// ipvsadm lacks (health, drain, why a server is out) at the end of each line.
#include <nlohmann/json.hpp>

#include "tools/hameshctl/state_view.hpp"

namespace hamesh::ctl {
namespace {

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s += std::string(width - s.size(), ' ');
  return s + " ";
}

std::string real_state_text(const nlohmann::json& r) {
  std::string health = r.value("health", "?");
  std::string out = health;
  if (r.value("drained", false)) out += ", drained";
  if (!r.value("in_pool", true)) out += ", out of the pool";
  return out;
}

}  // namespace

std::string render_ipvs(const actor_state& root) {
  std::vector<const actor_state*> services;
  collect_kind(root, "ipvs", services);
  if (services.empty()) return "no IPVS services on this node\n";
  std::string out = "IP Virtual Server (hamesh), " + std::to_string(services.size()) +
                    " service(s)\nProt LocalAddress:Port Scheduler Flags\n"
                    "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn State\n";
  for (auto* s : services) {
    auto f = nlohmann::json::parse(s->fields_json, nullptr, false);
    if (!f.is_object() || s->status != "running") {
      out += "?    " + s->path + " is " + s->status + "\n";
      continue;
    }
    std::string proto = f.value("protocol", "tcp") == "udp" ? "UDP" : "TCP";
    std::string flags;
    if (auto p = f.value("persistence_s", int64_t{0}); p > 0)
      flags += " persistent " + std::to_string(p);
    if (!f.value("in_quorum", true)) flags += " quorum-lost";
    out += pad(proto, 4) + pad(f.value("listen", ""), 0) + f.value("scheduler", "") + flags +
           "  (" + f.value("service", "") + ", " + f.value("dataplane", "") + ")\n";
    std::string forward = f.value("forward", "Local");
    for (auto& r : f.value("reals", nlohmann::json::array()))
      out += "  -> " + pad(r.value("address", ""), 28) + pad(forward, 7) +
             pad(std::to_string(r.value("effective_weight", 0)), 6) +
             pad(std::to_string(r.value("active", 0)), 10) +
             pad(std::to_string(r.value("inactive", 0)), 9) + real_state_text(r) + "\n";
    auto sorry = f.value("sorry_server", nlohmann::json());
    if (sorry.is_object() && sorry.value("active_now", false))
      out += "  -> " + pad(sorry.value("address", ""), 28) + pad(forward, 7) + pad("1", 6) +
             pad(std::to_string(sorry.value("active", 0)), 10) +
             pad(std::to_string(sorry.value("inactive", 0)), 9) + "sorry server\n";
    if (f["last_error"].is_string()) out += "  ! " + f["last_error"].get<std::string>() + "\n";
  }
  return out;
}

}  // namespace hamesh::ctl
