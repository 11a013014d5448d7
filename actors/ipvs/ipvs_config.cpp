#include "actors/ipvs/ipvs_config.hpp"

#include <set>

#include "actors/probe/probe_config.hpp"
#include "config/endpoint.hpp"
#include "config/name_rules.hpp"
#include "config/table_reader.hpp"
#include "runtime/ipv4_text.hpp"

namespace hamesh::ipvs {
namespace {

using namespace std::chrono_literals;

std::string default_real_name(uint32_t address, uint16_t port) {
  return format_ipv4(address) + "_" + std::to_string(port);
}

}  // namespace

std::vector<service_settings> parse_services(config::table_reader& ipvs) {
  std::vector<service_settings> out;
  std::set<std::string> names;
  std::set<std::string> listens;
  for (auto& t : ipvs.array_of_tables("service")) {
    service_settings s;
    if (auto v = t.unique_name("name", names, "service")) s.name = *v;
    if (auto ep = t.ipv4_endpoint("listen", true)) {
      s.address = ep->first;
      s.port = ep->second;
    }
    if (auto v = t.choice("protocol", {"tcp", "udp"}))
      s.protocol = *v == "tcp" ? transport::tcp : transport::udp;
    if (s.port != 0 && !listens.insert(s.endpoint() + "/" + to_string(s.protocol)).second)
      t.error("listen",
              "another service already listens on " + s.endpoint() + "/" + to_string(s.protocol));
    if (auto v = t.choice("scheduler", {"rr", "wrr", "lc", "wlc", "sh", "mh"}))
      s.scheduler = *parse_scheduler(*v);
    if (auto v = t.duration_value("persistence", 0s, 24h)) s.persistence = *v;
    if (auto v = t.integer("quorum", 1, 1'000'000)) s.quorum = static_cast<uint32_t>(*v);
    if (auto ep = t.ipv4_endpoint("sorry_server", false)) {
      real_settings sorry;
      sorry.name = "sorry";
      sorry.address = ep->first;
      sorry.port = ep->second;
      s.sorry_server = sorry;
    }
    if (auto v = t.boolean("inhibit_on_failure")) s.inhibit_on_failure = *v;
    if (auto v = t.choice("dataplane", {"userspace", "nftables", "kernel"}))
      s.dataplane = *v == "userspace"  ? dataplane_kind::userspace
                    : *v == "nftables" ? dataplane_kind::nftables
                                       : dataplane_kind::kernel;
    if (auto v = t.duration_value("connect_timeout", 1ms, 10min)) s.connect_timeout = *v;
    if (s.protocol == transport::udp) s.idle_timeout = 5min;
    if (auto v = t.duration_value("idle_timeout", 100ms, 7 * 24h)) s.idle_timeout = *v;
    if (auto v = t.integer("max_connections", 0, 10'000'000))
      s.max_connections = static_cast<uint32_t>(*v);
    if (auto v = t.duration_value("drain_timeout", 0s, 1h)) s.drain_timeout = *v;
    if (s.dataplane == dataplane_kind::nftables) {
      // nftables' numgen and jhash maps express these; connection counts live in conntrack,
      // which a map cannot consult.
      if (s.scheduler != scheduler_kind::rr && s.scheduler != scheduler_kind::wrr &&
          s.scheduler != scheduler_kind::sh)
        t.error("scheduler",
                std::string("dataplane \"nftables\" supports rr, wrr and sh, found \"") +
                    to_string(s.scheduler) + "\"");
      if (s.persistence.count() != 0)
        t.error("persistence", "dataplane \"nftables\" has no persistence (use scheduler \"sh\")");
      if (s.address == 0)
        t.error("listen", "dataplane \"nftables\" needs a specific address, not 0.0.0.0");
    }
    std::set<std::string> real_names, real_endpoints;
    for (auto& r : t.array_of_tables("real")) {
      real_settings real;
      if (auto ep = r.ipv4_endpoint("address", true)) {
        real.address = ep->first;
        real.port = ep->second;
        if (!real_endpoints.insert(real.endpoint()).second)
          r.error("address", "real server " + real.endpoint() + " is listed twice");
      }
      real.name = default_real_name(real.address, real.port);
      if (auto v = r.string("name")) {
        if (!config::valid_name(*v)) r.error("name", config::name_rule_message(*v));
        real.name = *v;
      }
      if (real.address != 0 && !real_names.insert(real.name).second)
        r.error("name", "another real server of this service is named \"" + real.name + "\"");
      if (auto v = r.integer("weight", 0, 65535)) real.weight = static_cast<uint32_t>(*v);
      r.finish();
      s.reals.push_back(std::move(real));
    }
    if (s.reals.empty() && !s.sorry_server)
      t.error("real", "expected at least one [[ipvs.service.real]] (or a sorry_server)");
    if (auto c = t.table("check")) {
      s.check = probe::parse_check(*c, "0.0.0.0", 0);
      c->finish();
    }
    t.finish();
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace hamesh::ipvs
