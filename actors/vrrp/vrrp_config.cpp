#include "actors/vrrp/vrrp_config.hpp"

#include <set>

#include "actors/vrrp/vrrp_packet.hpp"
#include "config/name_rules.hpp"
#include "config/table_reader.hpp"

namespace hamesh::vrrp {

std::string instance_settings::fingerprint() const {
  std::string out = "if=" + interface + ";vrid=" + std::to_string(vrid) +
                    ";prio=" + std::to_string(priority) + ";advert=" + format_duration(advert) +
                    ";preempt=" + (preempt ? "1" : "0") +
                    ";delay=" + format_duration(preempt_delay) + ";vips=";
  for (auto& v : vips) out += format_ipv4(v.address) + "/" + std::to_string(v.prefix) + ",";
  out += ";peers=";
  for (auto p : unicast_peers) out += format_ipv4(p) + ",";
  out += ";track=";
  for (auto& t : track) out += t.path + ":" + std::to_string(t.weight) + ",";
  out += ";track_interval=" + format_duration(track_interval) + ";sync_group=" + sync_group +
         ";notify=" + notify + ";notify_timeout=" + format_duration(notify_timeout);
  return out;
}

std::vector<instance_settings> parse_instances(config::table_reader& vrrp) {
  std::vector<instance_settings> out;
  std::set<std::string> names;
  std::set<std::pair<std::string, int>> routers;
  for (auto& t : vrrp.array_of_tables("instance")) {
    instance_settings s;
    if (auto v = t.unique_name("name", names, "instance")) s.name = *v;
    if (auto v = t.string("interface", true)) {
      if (v->empty() || v->size() > 15)
        t.error("interface",
                "expected an interface name of 1..15 characters, found string \"" + *v + "\"");
      s.interface = *v;
    }
    if (auto v = t.integer("vrid", 1, 255, true)) s.vrid = static_cast<uint8_t>(*v);
    if (auto v = t.integer("priority", 1, 255)) s.priority = static_cast<uint8_t>(*v);
    if (auto v = t.duration_value("advert", std::chrono::milliseconds(10),
                                  std::chrono::milliseconds(40950))) {
      // RFC 5798 §5.2.7: Max Adver Int is 12 bits of centiseconds.
      if (v->count() % 10'000'000 != 0)
        t.error("advert", "expected a multiple of 10ms (VRRPv3 counts centiseconds), found " +
                              format_duration(*v));
      s.advert = *v;
    }
    if (auto v = t.boolean("preempt")) s.preempt = *v;
    if (auto v = t.duration_value("preempt_delay", duration::zero(), std::chrono::hours(1)))
      s.preempt_delay = *v;
    if (auto vips = t.string_array("vips", true)) {
      for (auto& text : *vips) {
        auto slash = text.find('/');
        auto addr = parse_ipv4(text.substr(0, slash));
        long prefix = 32;
        bool ok = addr.has_value();
        if (ok && slash != std::string::npos) {
          auto p = text.substr(slash + 1);
          ok =
              !p.empty() && p.size() <= 2 && p.find_first_not_of("0123456789") == std::string::npos;
          prefix = ok ? std::stol(p) : -1;
          ok = ok && prefix >= 1 && prefix <= 32;
        }
        if (!ok)
          t.error(
              "vips",
              "expected IPv4 addresses like \"10.0.0.100\" or \"10.0.0.100/24\", found string \"" +
                  text + "\"");
        else
          s.vips.push_back({*addr, static_cast<uint8_t>(prefix)});
      }
      if (vips->empty())
        t.error("vips", "expected at least one virtual address, found an empty array");
      if (vips->size() > 255)
        t.error("vips", "expected at most 255 addresses (one byte counts them on the wire)");
    }
    if (auto peers = t.string_array("unicast_peers")) {
      for (auto& text : *peers) {
        if (auto addr = parse_ipv4(text))
          s.unicast_peers.push_back(*addr);
        else
          t.error("unicast_peers", "expected IPv4 addresses, found string \"" + text + "\"");
      }
    }
    for (auto& tr : t.array_of_tables("track")) {
      tracked_actor a;
      if (auto p = tr.string("path", true)) {
        if (p->empty() || p->front() == '/')
          tr.error("path",
                   "expected an actor path like \"demo/ticker/t1\", found string \"" + *p + "\"");
        a.path = *p;
      }
      if (auto w = tr.integer("weight", -254, 254)) a.weight = static_cast<int>(*w);
      tr.finish();
      s.track.push_back(std::move(a));
    }
    if (auto v = t.duration_value("track_interval", std::chrono::milliseconds(10),
                                  std::chrono::minutes(1)))
      s.track_interval = *v;
    if (auto v = t.string("sync_group")) {
      if (!config::valid_name(*v)) t.error("sync_group", config::name_rule_message(*v));
      s.sync_group = *v;
    }
    if (auto v = t.path("notify")) s.notify = v->string();
    if (auto v = t.duration_value("notify_timeout", std::chrono::milliseconds(10),
                                  std::chrono::minutes(10)))
      s.notify_timeout = *v;
    if (!s.interface.empty() && s.vrid != 0 && !routers.insert({s.interface, s.vrid}).second)
      t.error("vrid", "another instance already uses vrid " + std::to_string(s.vrid) + " on " +
                          s.interface);
    t.finish();
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace hamesh::vrrp
