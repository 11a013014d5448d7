#include "actors/heartbeat/heartbeat_config.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include "actors/heartbeat/heartbeat_codec.hpp"
#include "actors/replica/replica_volume_config.hpp"
#include "config/name_rules.hpp"
#include "config/table_reader.hpp"
#include "runtime/ipv4_text.hpp"

namespace hamesh::heartbeat {
namespace {

using namespace std::chrono_literals;

// "10.0.0.5/24" -> address and prefix; nullopt when it is not one.
std::optional<std::pair<uint32_t, uint8_t>> parse_cidr(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto addr = parse_ipv4(text.substr(0, slash));
  std::string p = text.substr(slash + 1);
  if (!addr || p.empty() || p.size() > 2 || p.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  int prefix = std::stoi(p);
  if (prefix < 1 || prefix > 32) return std::nullopt;
  return std::make_pair(*addr, static_cast<uint8_t>(prefix));
}

bool is_multicast(uint32_t a) {
  return (a >> 28) == 0xe;
}

std::string join(const std::vector<std::string>& argv) {
  std::string out;
  for (auto& a : argv) out += a + "\x1f";
  return out;
}

// An argv: a non-empty array whose program is a non-empty string.
std::optional<std::vector<std::string>> argv_of(config::table_reader& t, const std::string& key,
                                                bool required) {
  auto v = t.string_array(key, required);
  if (v && (v->empty() || v->front().empty())) {
    t.error(key, "expected a command as an array [\"program\", \"arg\", ...], found an empty one");
    return std::nullopt;
  }
  return v;
}

void read_links(config::table_reader& t, heartbeat_config& cfg) {
  std::set<std::string> names;
  for (auto& l : t.array_of_tables("link")) {
    heartbeat_link_config link;
    if (auto n = l.unique_name("name", names, "link")) link.name = *n;
    if (auto e = l.ipv4_endpoint("listen", true)) {
      link.listen_address = e->first;
      link.listen_port = e->second;
    }
    bool has_peer = l.has("peer"), has_group = l.has("group");
    if (has_peer == has_group)
      l.error(has_peer ? "group" : "",
              "expected either peer = \"IP:PORT\" (unicast) or group = \"IP:PORT\" with "
              "interface (multicast)");
    if (auto e = l.ipv4_endpoint("peer")) {
      if (is_multicast(e->first))
        l.error("peer", "expected a unicast address; a multicast group goes in group");
      link.peer_address = e->first;
      link.peer_port = e->second;
    }
    if (auto e = l.ipv4_endpoint("group")) {
      if (!is_multicast(e->first))
        l.error("group",
                "expected a multicast group (224.0.0.0/4), found " + format_ipv4(e->first));
      link.group = e->first;
      link.peer_port = e->second;
      if (link.listen_port && link.listen_port != e->second)
        l.error("listen",
                "a multicast link listens on the group's port (" + std::to_string(e->second) + ")");
    }
    if (auto i = l.string("interface", has_group)) {
      if (!has_group) l.error("interface", "only a multicast link (group) names an interface");
      link.interface = *i;
    }
    l.finish();
    cfg.links.push_back(std::move(link));
  }
  if (cfg.links.empty())
    t.error("link",
            "expected at least one [[heartbeat.link]] (two: one broken path is then "
            "a link failure, not a dead peer)");
}

void read_fence(config::table_reader& t, heartbeat_config& cfg) {
  auto f = t.table("fence");
  if (!f) return;
  heartbeat_fence_config fence;
  if (auto c = argv_of(*f, "command", true)) fence.command = *c;
  if (auto d = f->duration_value("timeout", 1ms, 10min)) fence.timeout = *d;
  if (auto p = f->choice("policy", {"required", "best_effort"}))
    cfg.fencing = *p == "required" ? fence_policy::required : fence_policy::best_effort;
  f->finish();
  cfg.fence = std::move(fence);
}

void read_resources(config::table_reader& t, heartbeat_config& cfg,
                    const std::vector<replica::replica_volume_config>& volumes) {
  std::set<std::string> names;
  for (auto& r : t.array_of_tables("resource")) {
    heartbeat_resource_config res;
    auto kind = r.choice("kind", {"replica", "ip", "agent"}, true);
    if (!kind) {
      r.finish();
      continue;
    }
    duration default_timeout = 10s;
    if (*kind == "replica") {
      res.step.kind = resource_kind::promote_replica;
      if (auto v = r.string("volume", true)) {
        res.volume = *v;
        res.step.name = "replica/" + *v;
        bool known = false;
        for (auto& vol : volumes) known = known || vol.name == *v;
        if (!known) r.error("volume", "no [[storage.volume]] named \"" + *v + "\" on this node");
      }
    } else if (*kind == "ip") {
      res.step.kind = resource_kind::service_ip;
      default_timeout = 5s;
      if (auto a = r.string("address", true)) {
        if (auto c = parse_cidr(*a)) {
          res.address = c->first;
          res.prefix = c->second;
          res.step.name = "ip/" + format_ipv4(c->first);
        } else {
          r.error("address",
                  "expected \"IPv4/PREFIX\" like \"192.0.2.10/24\", found \"" + *a + "\"");
        }
      }
      if (auto i = r.string("interface", true)) res.interface = *i;
    } else {
      res.step.kind = resource_kind::agent;
      default_timeout = 20s;
      std::set<std::string> unused;
      if (auto n = r.unique_name("name", unused, "agent")) res.step.name = "agent/" + *n;
      if (auto c = argv_of(r, "start", true)) res.start = *c;
      if (auto c = argv_of(r, "stop", true)) res.stop = *c;
      if (auto c = argv_of(r, "status", false)) res.status = *c;
    }
    res.step.timeout = default_timeout;
    if (auto d = r.duration_value("timeout", 1ms, 1h)) res.step.timeout = *d;
    if (!res.step.name.empty() && !names.insert(res.step.name).second)
      r.error("", "resource " + res.step.name + " is listed twice");
    r.finish();
    cfg.resources.push_back(std::move(res));
  }
  if (cfg.resources.empty())
    t.error("resource", "expected at least one [[heartbeat.resource]] (what the pair serves)");
}

}  // namespace

takeover_settings heartbeat_config::takeover() const {
  takeover_settings s;
  if (fence) s.fence = resource_step{resource_kind::fence, "fence", fence->timeout};
  // No fence action means nothing to require: the replica refuses a second primary by itself.
  s.fencing = fence ? fencing : fence_policy::best_effort;
  for (auto& r : resources) s.resources.push_back(r.step);
  return s;
}

std::string heartbeat_config::fingerprint() const {
  std::string out =
      "pair=" + pair + ";self=" + self + ";peer=" + peer +
      ";key=" + std::to_string(std::hash<std::string>{}(key)) +
      ";timing=" + format_duration(timing.keepalive) + "," + format_duration(timing.warntime) +
      "," + format_duration(timing.deadtime) + "," + format_duration(timing.initdead) +
      ";failback=" + (auto_failback ? "1" : "0") + ";preferred=" + preferred + ";links=";
  for (auto& l : links)
    out += l.name + "@" + format_ipv4(l.listen_address) + ":" + std::to_string(l.listen_port) +
           ">" + format_ipv4(l.multicast() ? l.group : l.peer_address) + ":" +
           std::to_string(l.peer_port) + "/" + l.interface + ",";
  out += ";fence=" + (fence ? join(fence->command) + format_duration(fence->timeout) : "") +
         to_string(fencing) + ";resources=";
  for (auto& r : resources)
    out += r.step.name + "/" + format_duration(r.step.timeout) + "/" + r.interface + "/" +
           std::to_string(r.prefix) + "/" + join(r.start) + join(r.stop) + join(r.status) + ",";
  return out;
}

heartbeat_config parse_heartbeat(config::table_reader& t, const std::string& node_name,
                                 const std::vector<replica::replica_volume_config>& volumes) {
  heartbeat_config cfg;
  cfg.self = node_name;
  if (auto p = t.string("pair", true)) {
    if (!config::valid_name(*p)) t.error("pair", config::name_rule_message(*p));
    cfg.pair = *p;
  }
  if (auto p = t.string("peer", true)) {
    if (!config::valid_name(*p))
      t.error("peer", config::name_rule_message(*p));
    else if (*p == node_name)
      t.error("peer",
              "expected the other node's [node] name, found this node's own (\"" + *p + "\")");
    cfg.peer = *p;
  }
  bool has_key = t.has("key"), has_key_file = t.has("key_file");
  if (has_key == has_key_file)
    t.error(has_key ? "key_file" : "",
            "expected exactly one of key (the shared HMAC key) and key_file (a file holding it)");
  if (auto k = t.string("key")) cfg.key = *k;
  if (auto f = t.path("key_file")) {
    std::ifstream in(*f, std::ios::binary);
    if (!in) {
      t.error("key_file", "cannot read \"" + f->string() + "\"");
      has_key_file = false;  // one error for it is enough
    } else {
      std::stringstream buf;
      buf << in.rdbuf();
      cfg.key = buf.str();
      // Files written by `echo` or an editor end with a newline that is not part of the key.
      while (!cfg.key.empty() && (cfg.key.back() == '\n' || cfg.key.back() == '\r'))
        cfg.key.pop_back();
    }
  }
  if (has_key != has_key_file && heartbeat_codec::check_key(cfg.key) != heartbeat_errc::none)
    t.error(has_key ? "key" : "key_file",
            "expected a key of at least " + std::to_string(heartbeat_codec::min_key_size) +
                " bytes (RFC 2104: a short key weakens HMAC), found " +
                std::to_string(cfg.key.size()));
  auto& s = cfg.timing;
  if (auto d = t.duration_value("keepalive", 1ms, 1h)) s.keepalive = *d;
  if (auto d = t.duration_value("warntime", 1ms, 1h)) s.warntime = *d;
  if (auto d = t.duration_value("deadtime", 1ms, 1h)) s.deadtime = *d;
  // Unset with deadtime set, initdead is twice deadtime (heartbeat's advice); with neither
  // set it stays ha.cf's 120 s. An explicit value is checked by validate() below.
  if (auto d = t.duration_value("initdead", 1ms, 24h))
    s.initdead = *d;
  else if (!t.has("initdead") && t.has("deadtime"))
    s.initdead = 2 * s.deadtime;
  if (auto b = t.boolean("auto_failback")) cfg.auto_failback = *b;
  if (auto p = t.string("preferred")) {
    if (*p != cfg.self && *p != cfg.peer)
      t.error("preferred", "expected this node (\"" + cfg.self + "\") or the peer (\"" + cfg.peer +
                               "\"), found \"" + *p + "\"");
    cfg.preferred = *p;
  }
  bool over_mesh = t.boolean("mesh").value_or(false);
  read_links(t, cfg);
  if (over_mesh) {
    // One more link, independent of the UDP ones: a broken network path and a broken mesh
    // connection are told apart, as any two links are.
    heartbeat_link_config mesh;
    mesh.name = "mesh";
    mesh.over_mesh = true;
    for (auto& l : cfg.links)
      if (l.name == "mesh") t.error("mesh", "a [[heartbeat.link]] is already named \"mesh\"");
    cfg.links.push_back(mesh);
  }
  for (auto& l : cfg.links) s.links.push_back(l.name);
  read_fence(t, cfg);
  read_resources(t, cfg, volumes);
  for (auto& p : validate(s)) {
    // links[i] problems are the links' names, already reported at their tables.
    if (p.key.rfind("links", 0) == 0) continue;
    t.error(t.has(p.key) ? p.key : "", p.key + " " + p.why);
  }
  for (auto& p : validate(cfg.takeover()))
    if (p.rfind("fence:", 0) == 0) t.error("fence", p);
  t.finish();
  return cfg;
}

}  // namespace hamesh::heartbeat
