#include "actors/vrrp/vrrp_actor.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>

#include "actors/vrrp/vrrp_fsm.hpp"
#include "runtime/caf_types.hpp"
#include "runtime/logging.hpp"
#include "runtime/metrics/metric_json.hpp"
#include "runtime/net/address_control.hpp"
#include "runtime/net/command_runner.hpp"
#include "runtime/net/interface_info.hpp"
#include "runtime/net/socket_reader.hpp"

namespace hamesh::vrrp {
namespace {

using steady = std::chrono::steady_clock;

struct transition_record {
  std::string from, to, reason;
  int64_t at_ms = 0;  // wall clock, for people
};

struct vrrp_state {
  std::string path;
  instance_settings cfg;
  net::interface_info iface;
  std::unique_ptr<fsm> machine;
  int sock = -1;
  std::unique_ptr<net::socket_reader> reader;
  uint64_t timer_generation = 0;
  bool holding = false;  // our virtual addresses are on the interface
  bool degraded = false;
  uint64_t adverts_sent = 0;
  uint64_t adverts_received = 0;
  std::map<std::string, uint64_t> dropped;  // by reason
  std::deque<transition_record> transitions;
  std::map<std::string, bool> tracked_ok;  // tracked actor path -> running
  caf::actor group;                        // the sync group's coordinator, once found
  std::string reported;                    // the last "STATE/ready" told to it
  uint64_t garp_generation = 0;            // repeats belong to the latest mastership
  std::string last_notify;                 // how the last notify hook ended
  uint64_t notify_failures = 0;
  std::shared_ptr<spdlog::logger> log;

  void release_addresses() {
    if (!holding) return;
    for (auto& v : cfg.vips) {
      auto r = net::remove_ipv4_address(iface.index, v.address, v.prefix);
      if (!r.ok) log->error("cannot remove {}: {}", format_ipv4(v.address), r.error);
    }
    holding = false;
  }

  // Whatever way the actor ends (stop, crash, kill), it leaves no virtual address behind.
  ~vrrp_state() {
    reader.reset();
    if (sock >= 0) ::close(sock);
    release_addresses();
  }
};

using self_ptr = caf::stateful_actor<vrrp_state>*;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void send_advert(self_ptr self, uint8_t priority) {
  auto& st = self->state;
  advert a;
  a.vrid = st.cfg.vrid;
  a.priority = priority;
  a.max_adver_int_cs =
      static_cast<uint16_t>(std::chrono::duration_cast<centiseconds>(st.cfg.advert).count());
  for (auto& v : st.cfg.vips) a.addresses.push_back(v.address);
  a.source = st.iface.primary_ipv4;
  std::vector<uint32_t> targets = st.cfg.unicast_peers;
  if (targets.empty()) targets.push_back(multicast_group);
  for (auto dst : targets) {
    a.destination = dst;
    auto bytes = encode_v3(a);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(dst);
    // The source must be our primary address: it is in the checksum's pseudo-header and it
    // is what peers compare for the tie-break (RFC 5798 §6.4.3).
    iovec iov{bytes.data(), bytes.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))] = {};
    msghdr msg{};
    msg.msg_name = &to;
    msg.msg_namelen = sizeof to;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    auto* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = IPPROTO_IP;
    cmsg->cmsg_type = IP_PKTINFO;
    cmsg->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    auto* info = reinterpret_cast<in_pktinfo*>(CMSG_DATA(cmsg));
    info->ipi_ifindex = st.iface.index;
    info->ipi_spec_dst.s_addr = htonl(a.source);
    if (::sendmsg(st.sock, &msg, 0) < 0)
      st.log->warn("cannot send advert to {}: {}", format_ipv4(dst), std::strerror(errno));
    else
      ++st.adverts_sent;
  }
}

void announce_addresses(vrrp_state& st) {
  for (int round = 0; round < 2; ++round)
    for (auto& v : st.cfg.vips) {
      auto r = net::send_gratuitous_arp(st.iface.index, st.iface.mac, v.address);
      if (!r.ok) st.log->warn("{}", r.error);
    }
}

void take_addresses(self_ptr self) {
  auto& st = self->state;
  for (auto& v : st.cfg.vips) {
    auto r = net::add_ipv4_address(st.iface.index, v.address, v.prefix);
    if (!r.ok) st.log->error("cannot add {}/{}: {}", format_ipv4(v.address), v.prefix, r.error);
  }
  st.holding = true;
  // Neighbours must learn the new owner at once, not when their ARP entries age out; and
  // again later, because Linux ignores an update within `locktime` (1 s) of the last one,
  // which a client that just resolved the VIP from the old master would be in.
  announce_addresses(st);
  ++st.garp_generation;
  for (auto delay : {std::chrono::seconds(1), std::chrono::seconds(5)})
    self->delayed_send(self, delay, vrrp_garp_atom_v, st.garp_generation);
}

// Tells the sync group what changed: the state, and whether it is ready to be master.
void report_to_group(self_ptr self) {
  auto& st = self->state;
  if (!st.group) return;
  auto now_state = to_string(st.machine->current());
  bool ready = st.machine->wants_master();
  auto key = now_state + (ready ? "/ready" : "");
  if (key == st.reported) return;
  st.reported = key;
  self->send(st.group, sync_report_atom_v, st.cfg.name, now_state, ready);
}

void join_group(self_ptr self) {
  auto& st = self->state;
  auto node = self->system().registry().get(node_registry_name);
  // Our path is <subtree>/vrrp/<name>; the coordinator is <subtree>/vrrp-sync/<group>.
  auto coordinator = st.path.substr(0, st.path.rfind("vrrp/")) + "vrrp-sync/" + st.cfg.sync_group;
  if (!node) return;
  self->request(caf::actor_cast<caf::actor>(node), std::chrono::seconds(2), lookup_atom_v,
                coordinator)
      .then(
          [=](caf::actor& group) {
            self->state.group = group;
            self->send(group, sync_join_atom_v, self->state.cfg.name,
                       caf::actor_cast<caf::actor>(self));
            self->state.reported.clear();
            report_to_group(self);
          },
          [=](caf::error& err) {
            self->state.log->warn("sync group {}: {}; retrying", self->state.cfg.sync_group,
                                  describe(err));
            self->delayed_send(self, std::chrono::milliseconds(200), sync_join_atom_v);
          });
}

void schedule(self_ptr self) {
  auto& st = self->state;
  auto deadline = st.machine->next_deadline();
  if (!deadline) return;
  auto wait = *deadline - steady::now();
  if (wait < steady::duration::zero()) wait = steady::duration::zero();
  self->delayed_send(self, wait, vrrp_timer_atom_v, ++st.timer_generation);
}

void apply(self_ptr self, const actions& a) {
  auto& st = self->state;
  if (a.send_advert) send_advert(self, a.advert_priority);
  if (a.reannounce && st.holding) {
    st.log->warn("an advert with a lower priority while master: announcing the addresses again");
    announce_addresses(st);
  }
  if (a.changed) {
    auto& c = *a.changed;
    if (c.to == state::master) take_addresses(self);
    if (c.from == state::master) st.release_addresses();
    st.log->info("{} -> {} ({}, priority {})", to_string(c.from), to_string(c.to), c.reason,
                 st.machine->priority());
    st.transitions.push_back({to_string(c.from), to_string(c.to), c.reason, wall_ms()});
    if (!st.cfg.notify.empty()) {
      auto weak = caf::actor_cast<caf::weak_actor_ptr>(self);
      std::string what = st.cfg.notify + " " + st.cfg.name + " " + to_string(c.to);
      net::run_command(
          {st.cfg.notify, st.cfg.name, to_string(c.to), std::to_string(st.machine->priority())},
          st.cfg.notify_timeout, [weak, what](net::command_outcome out) {
            std::string result = !out.started    ? out.error
                                 : out.timed_out ? what + ": killed after its timeout"
                                                 : what + ": exit " + std::to_string(out.exit_code);
            bool failed = !out.started || out.timed_out || out.exit_code != 0;
            if (auto me = caf::actor_cast<caf::actor>(weak))
              caf::anon_send(me, vrrp_notify_atom_v, result, failed);
          });
    }
    if (st.transitions.size() > 32) st.transitions.pop_front();
  }
  schedule(self);
  report_to_group(self);
}

void on_packet(self_ptr self, const std::vector<uint8_t>& packet) {
  auto& st = self->state;
  auto r = decode_ipv4(packet.data(), packet.size());
  if (!r.value) {
    ++st.dropped[to_string(r.reason)];
    return;
  }
  auto& adv = *r.value;
  if (adv.source == st.iface.primary_ipv4) return;  // our own, looped back
  if (adv.vrid != st.cfg.vrid) {
    ++st.dropped["other_vrid"];
    return;
  }
  if (!st.cfg.unicast_peers.empty() &&
      std::find(st.cfg.unicast_peers.begin(), st.cfg.unicast_peers.end(), adv.source) ==
          st.cfg.unicast_peers.end()) {
    ++st.dropped["unknown_peer"];
    return;
  }
  ++st.adverts_received;
  apply(self, st.machine->on_advert(adv, steady::now()));
}

std::string open_socket(vrrp_state& st) {
  st.sock = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, ip_protocol);
  if (st.sock < 0) return std::string("raw socket (needs CAP_NET_RAW): ") + std::strerror(errno);
  auto fail = [&](const char* what) { return std::string(what) + ": " + std::strerror(errno); };
  if (::setsockopt(st.sock, SOL_SOCKET, SO_BINDTODEVICE, st.iface.name.c_str(),
                   st.iface.name.size()) < 0)
    return fail("SO_BINDTODEVICE");
  int ttl = 255;  // RFC 5798 §5.1.1.3: receivers drop anything else
  if (::setsockopt(st.sock, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl) < 0) return fail("IP_TTL");
  if (::setsockopt(st.sock, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) < 0)
    return fail("IP_MULTICAST_TTL");
  int loop = 0;
  ::setsockopt(st.sock, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop);
  // No bind(): a raw socket bound to a unicast address receives nothing sent to 224.0.0.18.
  // The source address is set per packet instead (IP_PKTINFO in send_advert).
  ip_mreqn group{};
  group.imr_multiaddr.s_addr = htonl(multicast_group);
  group.imr_address.s_addr = htonl(st.iface.primary_ipv4);
  group.imr_ifindex = st.iface.index;
  if (::setsockopt(st.sock, IPPROTO_IP, IP_MULTICAST_IF, &group, sizeof group) < 0)
    return fail("IP_MULTICAST_IF");
  if (st.cfg.unicast_peers.empty() &&
      ::setsockopt(st.sock, IPPROTO_IP, IP_ADD_MEMBERSHIP, &group, sizeof group) < 0)
    return fail("joining 224.0.0.18");
  return "";
}

// The priority tracking asks for: configured, moved by the weights of tracked actors that are
// not running; 0 (FAULT) for a failed weight-0 track or a degraded node.
int effective_priority(const vrrp_state& st) {
  if (st.degraded) return 0;
  int p = st.cfg.priority;
  for (auto& t : st.cfg.track) {
    auto it = st.tracked_ok.find(t.path);
    if (it == st.tracked_ok.end() || it->second) continue;
    // In a sync group a weight could leave both groups half-master and deadlocked (each side
    // waiting for a member that will never be ready), so, as keepalived does, a failed track
    // is a FAULT there, whatever its weight.
    if (t.weight == 0 || !st.cfg.sync_group.empty()) return 0;
    p += t.weight;
  }
  // keepalived's bounds: tracking never makes an owner of a backup nor takes one below 1.
  return std::clamp(p, 1, st.cfg.priority == 255 ? 255 : 254);
}

void retrack(self_ptr self, const std::string& why) {
  auto& st = self->state;
  int want = effective_priority(st);
  bool faulted = st.machine->current() == state::fault;
  if (want == (faulted ? 0 : st.machine->priority())) return;
  st.log->warn("{}: priority {} -> {}", why, faulted ? 0 : st.machine->priority(), want);
  apply(self, st.machine->set_effective_priority(want, steady::now()));
}

void poll_tracked(self_ptr self) {
  auto& st = self->state;
  auto node = self->system().registry().get(node_registry_name);
  for (auto& t : st.cfg.track) {
    auto path = t.path;
    auto record = [=](bool ok, const std::string& status) {
      auto& st = self->state;
      auto [it, fresh] = st.tracked_ok.emplace(path, ok);
      if (!fresh && it->second == ok) return;
      it->second = ok;
      retrack(self, "tracked " + path + " is " + status);
    };
    if (!node) {
      record(false, "unknown (no node)");
      continue;
    }
    self->request(caf::actor_cast<caf::actor>(node), st.cfg.track_interval, state_atom_v, path)
        .then(
            [=](const actor_state& s) {
              // A probe runs while its check fails: its verdict is what counts.
              auto f = nlohmann::json::parse(s.fields_json, nullptr, false);
              if (s.status == "running" && f.is_object() && f.value("healthy", true) == false)
                return record(false, "failing its check (" +
                                         f.value("last", nlohmann::json::object())
                                             .value("detail", std::string("no result")) +
                                         ")");
              record(s.status == "running", s.status);
            },
            [=](caf::error& err) { record(false, describe(err)); });
  }
  self->delayed_send(self, st.cfg.track_interval, vrrp_track_atom_v);
}

nlohmann::json track_json(const vrrp_state& st) {
  auto out = nlohmann::json::array();
  for (auto& t : st.cfg.track) {
    auto it = st.tracked_ok.find(t.path);
    out.push_back(
        {{"path", t.path},
         {"weight", t.weight},
         {"running", it == st.tracked_ok.end() ? nlohmann::json() : nlohmann::json(it->second)}});
  }
  return out;
}

nlohmann::json fields(const vrrp_state& st) {
  auto transitions = nlohmann::json::array();
  for (auto& t : st.transitions)
    transitions.push_back(
        {{"from", t.from}, {"to", t.to}, {"reason", t.reason}, {"at_ms", t.at_ms}});
  auto vips = nlohmann::json::array();
  for (auto& v : st.cfg.vips)
    vips.push_back(format_ipv4(v.address) + "/" + std::to_string(v.prefix));
  auto metrics = nlohmann::json::array();
  bool master = st.machine->current() == state::master;
  metrics.push_back(
      metrics::metric("vrrp_master", "gauge", "1 while this instance is master.", master ? 1 : 0));
  metrics.push_back(metrics::metric("vrrp_adverts_sent_total", "counter", "Advertisements sent.",
                                    st.adverts_sent));
  metrics.push_back(metrics::metric("vrrp_adverts_received_total", "counter",
                                    "Valid advertisements received.", st.adverts_received));
  for (auto& [reason, n] : st.dropped)
    metrics.push_back(metrics::metric("vrrp_packets_dropped_total", "counter",
                                      "Packets dropped, by reason.", n, {{"reason", reason}}));
  auto master_address = st.machine->master_address();
  return {
      {"instance", st.cfg.name},
      {"interface", st.cfg.interface},
      {"vrid", st.cfg.vrid},
      {"state", to_string(st.machine->current())},
      {"priority", st.machine->priority()},
      {"configured_priority", st.cfg.priority},
      {"master", master_address ? nlohmann::json(format_ipv4(*master_address)) : nlohmann::json()},
      {"primary_address", format_ipv4(st.iface.primary_ipv4)},
      {"vips", vips},
      {"holding_vips", st.holding},
      {"mode", st.cfg.unicast_peers.empty() ? "multicast" : "unicast"},
      {"adverts_sent", st.adverts_sent},
      {"adverts_received", st.adverts_received},
      {"dropped", st.dropped},
      {"node_degraded", st.degraded},
      {"sync_group",
       st.cfg.sync_group.empty() ? nlohmann::json() : nlohmann::json(st.cfg.sync_group)},
      {"ready_for_master", st.machine->wants_master()},
      {"track", track_json(st)},
      {"notify", st.cfg.notify.empty() ? nlohmann::json() : nlohmann::json(st.cfg.notify)},
      {"last_notify", st.last_notify.empty() ? nlohmann::json() : nlohmann::json(st.last_notify)},
      {"notify_failures", st.notify_failures},
      {"transitions", transitions},
      {"metrics", metrics}};
}

caf::behavior vrrp_instance(self_ptr self, std::string path, instance_settings cfg) {
  auto& st = self->state;
  st.path = std::move(path);
  st.cfg = std::move(cfg);
  st.log = logging::get(st.path);
  std::string why;
  auto iface = net::lookup_interface(st.cfg.interface, &why);
  if (!iface || iface->primary_ipv4 == 0) {
    if (iface) why = st.cfg.interface + " has no IPv4 address";
    st.log->error("cannot start: {}", why);
    self->quit(caf::make_error(caf::sec::runtime_error, why));
    return {};
  }
  st.iface = *iface;
  // A crashed predecessor may have left them (a SIGKILLed node's restart, too).
  for (auto& v : st.cfg.vips)
    if (net::has_ipv4_address(st.iface.name, v.address)) {
      st.log->warn("removing {} left on {} by an earlier run", format_ipv4(v.address),
                   st.iface.name);
      net::remove_ipv4_address(st.iface.index, v.address, v.prefix);
    }
  if (auto err = open_socket(st); !err.empty()) {
    st.log->error("cannot start: {}", err);
    self->quit(caf::make_error(caf::sec::runtime_error, err));
    return {};
  }
  instance_config fc;
  fc.vrid = st.cfg.vrid;
  fc.priority = st.cfg.priority;
  fc.advert_interval = std::chrono::duration_cast<centiseconds>(st.cfg.advert);
  fc.preempt = st.cfg.preempt;
  fc.preempt_delay = st.cfg.preempt_delay;
  fc.primary_address = st.iface.primary_ipv4;
  st.machine = std::make_unique<fsm>(fc);
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(self);
  st.reader = std::make_unique<net::socket_reader>(st.sock, [weak](std::vector<uint8_t> packet) {
    if (auto me = caf::actor_cast<caf::actor>(weak))
      caf::anon_send(me, vrrp_packet_atom_v, std::move(packet));
  });
  // Supervision drives failover: a degraded node gives mastership away.
  if (auto node = self->system().registry().get(node_registry_name))
    self->send(caf::actor_cast<caf::actor>(node), subscribe_atom_v, degraded_atom_v);
  self->set_exit_handler([=](caf::exit_msg& em) {
    if (em.reason == caf::exit_reason::kill) return self->quit(em.reason);
    // Graceful: priority 0 tells the backup to take over after skew time (RFC 5798 §6.4.3).
    apply(self, self->state.machine->shutdown(steady::now()));
    self->state.release_addresses();
    self->quit(em.reason);
  });
  st.log->info("starting on {} ({}), vrid {}, priority {}, advert {}, {}", st.iface.name,
               format_ipv4(st.iface.primary_ipv4), st.cfg.vrid, st.cfg.priority,
               format_duration(st.cfg.advert),
               st.cfg.unicast_peers.empty() ? "multicast" : "unicast");
  if (!st.cfg.sync_group.empty()) {
    // Held back until the group says every member is ready (vrrp_sync_group.hpp).
    st.machine->set_master_allowed(false, steady::now());
    join_group(self);
  }
  apply(self, st.machine->startup(steady::now()));
  if (!st.cfg.track.empty()) poll_tracked(self);
  return {
      [=](vrrp_packet_atom, const std::vector<uint8_t>& packet) { on_packet(self, packet); },
      [=](vrrp_timer_atom, uint64_t generation) {
        if (generation != self->state.timer_generation) return;  // superseded
        apply(self, self->state.machine->on_timer(steady::now()));
      },
      [=](vrrp_track_atom) { poll_tracked(self); },
      [=](vrrp_garp_atom, uint64_t generation) {
        auto& st = self->state;
        if (generation == st.garp_generation && st.holding) announce_addresses(st);
      },
      [=](sync_join_atom) { join_group(self); },
      [=](sync_allow_atom, bool allowed) {
        apply(self, self->state.machine->set_master_allowed(allowed, steady::now()));
      },
      [=](vrrp_notify_atom, const std::string& result, bool failed) {
        auto& st = self->state;
        st.last_notify = result;
        if (failed) {
          ++st.notify_failures;
          st.log->warn("notify: {}", result);
        } else {
          st.log->info("notify: {}", result);
        }
      },
      [=](degraded_atom, const std::string& reason) {
        auto& st = self->state;
        if (st.degraded) return;
        st.degraded = true;
        retrack(self, "node degraded (" + reason + "): giving up this instance");
      },
      [=](state_atom, const std::string&) {
        actor_state s;
        s.fields_json = fields(self->state).dump();
        return s;
      },
  };
}

}  // namespace

caf::actor spawn_vrrp_instance(caf::local_actor* parent, const std::string& path,
                               const instance_settings& cfg) {
  // A thread of its own: adverts and the master-down timer must not wait behind other actors'
  // work on the shared scheduler (a busy proxy would otherwise delay adverts and cause
  // spurious failovers), nor behind an idle worker's polling.
  return parent->spawn<caf::detached>(vrrp_instance, path, cfg);
}

}  // namespace hamesh::vrrp
