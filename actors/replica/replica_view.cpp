// hameshctl's `replicas`: each replicated volume of the node, DRBD's three states (role,
// connection, disk), the peer, what is dirty, and a running resync's or verify's progress.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "tools/hameshctl/state_view.hpp"

namespace hamesh::ctl {
namespace {

std::string bytes_text(uint64_t b) {
  char buf[32];
  if (b >= (uint64_t(1) << 30))
    std::snprintf(buf, sizeof buf, "%.1fG", double(b) / double(uint64_t(1) << 30));
  else if (b >= (1u << 20))
    std::snprintf(buf, sizeof buf, "%.1fM", double(b) / double(1u << 20));
  else if (b >= 1024)
    std::snprintf(buf, sizeof buf, "%.1fK", double(b) / 1024.0);
  else
    std::snprintf(buf, sizeof buf, "%lluB", static_cast<unsigned long long>(b));
  return buf;
}

}  // namespace

std::string render_replicas(const actor_state& root) {
  std::vector<const actor_state*> volumes;
  collect_kind(root, "replica", volumes);
  if (volumes.empty()) return "no replicated volumes on this node\n";
  std::vector<std::vector<std::string>> rows{{"VOLUME", "ROLE", "CONNECTION", "DISK", "PEER",
                                              "PEER-ROLE", "PROTO", "DIRTY", "SYNC", "EXPORT",
                                              "WRITES", "LAST-CHANGE"}};
  std::string notes;
  for (auto* s : volumes) {
    auto f = nlohmann::json::parse(s->fields_json, nullptr, false);
    if (!f.is_object() || s->status != "running") {
      rows.push_back({s->path, "", "", "", "", "", "", "", "", "", "", s->status});
      continue;
    }
    auto r = f.value("resync", nlohmann::json::object());
    auto v = f.value("verify", nlohmann::json::object());
    auto e = f.value("export", nlohmann::json::object());
    char sync[64] = "-";
    if (r.value("running", false))
      std::snprintf(sync, sizeof sync, "%s %.1f%%",
                    r.value("as_source", false) ? "sending" : "receiving",
                    r.value("progress_percent", 0.0));
    else if (v.value("running", false))
      std::snprintf(sync, sizeof sync, "verifying");
    std::string serving = e.value("serving", false) ? e.value("listen", "") : "(secondary)";
    rows.push_back(
        {f.value("volume", ""), f.value("role", ""), f.value("connection", ""), f.value("disk", ""),
         f.value("peer", "").empty() ? "-" : f.value("peer", ""), f.value("peer_role", ""),
         f.value("protocol", ""), bytes_text(f.value("dirty_bytes", uint64_t{0})), sync, serving,
         std::to_string(f.value("client", nlohmann::json::object()).value("writes", uint64_t{0})),
         f.value("last_change", "")});
    if (r.value("regions_total", uint64_t{0}) > 0)
      notes += "  " + f.value("volume", "") + ": last resync " +
               (r.value("full", false) ? "full" : "bitmap") + ", " +
               std::to_string(r.value("regions_done", uint64_t{0})) + "/" +
               std::to_string(r.value("regions_total", uint64_t{0})) + " regions, " +
               bytes_text(r.value("data_bytes_sent", uint64_t{0})) + " sent for " +
               bytes_text(r.value("dirty_bytes_total", uint64_t{0})) + " dirty\n";
    if (v.value("regions_checked", uint64_t{0}) > 0)
      notes += "  " + f.value("volume", "") + ": last verify " +
               std::to_string(v.value("regions_checked", uint64_t{0})) + " regions, " +
               std::to_string(v.value("mismatches", uint64_t{0})) + " mismatch(es)\n";
  }
  return table(rows) + notes;
}

}  // namespace hamesh::ctl
