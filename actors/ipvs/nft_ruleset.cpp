#include "actors/ipvs/nft_ruleset.hpp"

#include <numeric>

#include "runtime/ipv4_text.hpp"

namespace hamesh::ipvs {
namespace {

// A map longer than this is slow to replace; wrr weights are scaled down to fit.
constexpr uint64_t max_wrr_slots = 1024;
constexpr size_t sh_buckets = 256;

struct slot_member {
  uint32_t address;
  uint16_t port;
};

// Members that can take new connections, with their weights.
std::vector<std::pair<slot_member, uint32_t>> eligible(const pool_view& pool) {
  std::vector<std::pair<slot_member, uint32_t>> out;
  for (auto& m : pool.members)
    if (m.entry.available && m.entry.weight > 0)
      out.push_back({{m.address, m.port}, m.entry.weight});
  return out;
}

std::vector<slot_member> rr_slots(const std::vector<std::pair<slot_member, uint32_t>>& members) {
  std::vector<slot_member> out;
  for (auto& m : members) out.push_back(m.first);
  return out;
}

// The wrr scheduler's own sequence over one cycle, so the kernel interleaves as LVS would.
std::vector<slot_member> wrr_slots(std::vector<std::pair<slot_member, uint32_t>> members) {
  uint64_t total = 0;
  uint32_t g = 0;
  for (auto& m : members) g = std::gcd(g, m.second);
  for (auto& m : members) total += m.second / g;
  std::vector<real_entry> entries;
  for (auto& m : members) {
    uint64_t w = m.second / g;
    if (total > max_wrr_slots) w = std::max<uint64_t>(1, w * max_wrr_slots / total);
    entries.push_back({uint32_t(w), true});
  }
  uint64_t cycle = 0;
  for (auto& e : entries) cycle += e.weight;
  auto sched = make_scheduler(scheduler_kind::wrr);
  sched->update(entries);
  std::vector<real_load> load(entries.size());
  std::vector<slot_member> out;
  for (uint64_t i = 0; i < cycle; ++i)
    if (auto pick = sched->pick({}, load)) out.push_back(members[*pick].first);
  return out;
}

// 256 buckets shared in proportion to weight (the sh scheduler's table size).
std::vector<slot_member> sh_slots(const std::vector<std::pair<slot_member, uint32_t>>& members) {
  uint64_t total = 0;
  for (auto& m : members) total += m.second;
  std::vector<slot_member> out;
  size_t member = 0;
  uint64_t upto = members[0].second;
  for (size_t b = 0; b < sh_buckets; ++b) {
    uint64_t point = b * total / sh_buckets;  // this bucket's place on the weight line
    while (point >= upto && member + 1 < members.size()) upto += members[++member].second;
    out.push_back(members[member].first);
  }
  return out;
}

}  // namespace

std::string nft_table_name(const std::string& service) {
  std::string out = "hamesh_";
  for (char c : service) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  return out;
}

std::string nft_delete(const std::string& table) {
  // Declaring it first makes the delete succeed whether or not it exists.
  return "table ip " + table + "\ndelete table ip " + table + "\n";
}

std::string nft_ruleset(const std::string& table, const service_settings& service,
                        const pool_view& pool) {
  auto members = eligible(pool);
  std::string rule;
  if (!members.empty()) {
    std::vector<slot_member> slots;
    std::string selector;
    if (service.scheduler == scheduler_kind::sh) {
      slots = sh_slots(members);
      selector = "jhash ip saddr mod " + std::to_string(slots.size());
    } else {
      slots = service.scheduler == scheduler_kind::wrr ? wrr_slots(members) : rr_slots(members);
      selector = "numgen inc mod " + std::to_string(slots.size());
    }
    std::string map;
    for (size_t i = 0; i < slots.size(); ++i)
      map += (i ? ", " : "") + std::to_string(i) + " : " + format_ipv4(slots[i].address) + " . " +
             std::to_string(slots[i].port);
    rule = "    ip daddr " + format_ipv4(service.address) + " " + to_string(service.protocol) +
           " dport " + std::to_string(service.port) + " counter dnat ip to " + selector +
           " map { " + map + " }\n";
  }
  // prerouting: clients elsewhere; output: clients on this host. Priority -100 is what
  // nft calls dstnat (the name is refused on the output hook by nftables 1.0.6).
  std::string out = nft_delete(table) + "table ip " + table + " {\n";
  for (auto [chain, hook] : {std::pair{"incoming", "prerouting"}, std::pair{"local", "output"}})
    out += std::string("  chain ") + chain + " {\n    type nat hook " + hook +
           " priority -100; policy accept;\n" + rule + "  }\n";
  return out + "}\n";
}

}  // namespace hamesh::ipvs
