#pragma once
// Messages and types that travel between actors, locally and over the mesh. Type names
// (not the numeric IDs) go on the wire, so every binary must register this same block.
#include <caf/all.hpp>

#include <memory>
#include <string>

#include "runtime/actor_state.hpp"

namespace hamesh::supervision {
struct supervisor_spec;
}
namespace hamesh::ipvs {
struct service_settings;
}
namespace hamesh::proxy::http {
struct http_listener_config;
}
namespace hamesh::proxy::mail {
struct mail_listener_config;
}

CAF_BEGIN_TYPE_ID_BLOCK(hamesh, caf::first_custom_type_id)
CAF_ADD_TYPE_ID(hamesh, (hamesh::actor_state))
// (state_atom, path) -> actor_state: the actor at path (relative to the receiver), "" = self
CAF_ADD_ATOM(hamesh, hamesh, state_atom, "state")
// (kill_path_atom, path) -> ok: make that actor fail, as a crash would
CAF_ADD_ATOM(hamesh, hamesh, kill_path_atom, "killpath")
// (restart_path_atom, path) -> ok: stop and start that actor
CAF_ADD_ATOM(hamesh, hamesh, restart_path_atom, "restart")
// (halt_atom) to a supervisor: kill the subtree now (a stop past its deadline)
CAF_ADD_ATOM(hamesh, hamesh, halt_atom, "halt")
// (reload_atom, spec): replace a supervisor's children; only changed ones restart
CAF_ADD_ATOM(hamesh, hamesh, reload_atom, "reload")
// (subscribe_atom, degraded_atom) to the root; later (degraded_atom, reason) is sent back
CAF_ADD_ATOM(hamesh, hamesh, subscribe_atom, "subscribe")
CAF_ADD_ATOM(hamesh, hamesh, degraded_atom, "degraded")
// (mesh_ping_atom, sent) to a node -> (mesh_pong_atom, node name, sent): liveness and RTT
CAF_ADD_ATOM(hamesh, hamesh, mesh_ping_atom, "mping")
CAF_ADD_ATOM(hamesh, hamesh, mesh_pong_atom, "mpong")
// (mesh_hello_atom, listen address, node actor): a peer that connected introduces itself
CAF_ADD_ATOM(hamesh, hamesh, mesh_hello_atom, "mhello")
// (vrrp_packet_atom, bytes): a datagram from a VRRP instance's raw socket
CAF_ADD_ATOM(hamesh, hamesh, vrrp_packet_atom, "vrrppkt")
// internal timers
CAF_ADD_ATOM(hamesh, hamesh, vrrp_timer_atom, "vrrptmr")
CAF_ADD_ATOM(hamesh, hamesh, vrrp_track_atom, "vrrptrk")
CAF_ADD_ATOM(hamesh, hamesh, vrrp_garp_atom, "vrrpgarp")
// (lookup_atom, path) to a supervisor -> the actor at path (for siblings that cooperate)
CAF_ADD_ATOM(hamesh, hamesh, lookup_atom, "lookup")
// VRRP sync groups: (join, name, member), (report, name, state, ready), (allow, bool)
CAF_ADD_ATOM(hamesh, hamesh, sync_join_atom, "syncjoin")
CAF_ADD_ATOM(hamesh, hamesh, sync_report_atom, "syncrep")
CAF_ADD_ATOM(hamesh, hamesh, sync_allow_atom, "syncallow")
// (vrrp_notify_atom, result, failed): how a notify hook ended
CAF_ADD_ATOM(hamesh, hamesh, vrrp_notify_atom, "vrrpntf")
// Probes: (probe_subscribe_atom) -> later (probe_verdict_atom, probe path, health, detail) on
// every change, and once at once; (probe_result_atom, ok, latency ns, detail) from a worker
CAF_ADD_ATOM(hamesh, hamesh, probe_subscribe_atom, "prbsub")
CAF_ADD_ATOM(hamesh, hamesh, probe_verdict_atom, "prbvrd")
CAF_ADD_ATOM(hamesh, hamesh, probe_result_atom, "prbres")
CAF_ADD_ATOM(hamesh, hamesh, probe_tick_atom, "prbtick")
// (probe_retry_atom, path) to a probe follower (actors/probe/probe_follower.hpp): look it up again
CAF_ADD_ATOM(hamesh, hamesh, probe_retry_atom, "prbrty")
// (ipvs_drain_atom, real, drained) to an IPVS service -> text: take a real server out of (or
// back into) rotation; existing connections finish
CAF_ADD_ATOM(hamesh, hamesh, ipvs_drain_atom, "ipvsdrn")
// (drain_tick_atom) to self: a draining actor checks whether its connections are gone
CAF_ADD_ATOM(hamesh, hamesh, drain_tick_atom, "draintk")
// (retire_tick_atom) to self: an HTTP or mail listener checks whether its replaced engines are done
CAF_ADD_ATOM(hamesh, hamesh, retire_tick_atom, "retiretk")
// (rate_tick_atom) to self, every second: a listener samples its counters into rates
CAF_ADD_ATOM(hamesh, hamesh, rate_tick_atom, "ratetk")
// (ipvs_update_atom, settings) from the lb supervisor on a reload: new settings, same listener
CAF_ADD_ATOM(hamesh, hamesh, ipvs_update_atom, "ipvsupd")
// (http_update_atom, config) from the proxy supervisor on a reload: an HTTP listener's new
// config, taken without dropping a request
CAF_ADD_ATOM(hamesh, hamesh, http_update_atom, "httpupd")
// (mail_update_atom, config) from the proxy supervisor on a reload: a mail listener's new
// config, taken without dropping a session or a login under way
CAF_ADD_ATOM(hamesh, hamesh, mail_update_atom, "mailupd")
// (replica_command_atom, command) to a replica actor -> text: "promote", "promote --force",
// "demote", "connect", "disconnect", "verify"; refused commands are errors with the reason
CAF_ADD_ATOM(hamesh, hamesh, replica_command_atom, "replcmd")
CAF_ADD_ATOM(hamesh, hamesh, stop_timeout_atom, "stoptmo")
CAF_ADD_ATOM(hamesh, hamesh, ticker_tick_atom, "ttick")
CAF_ADD_ATOM(hamesh, hamesh, mesh_tick_atom, "mtick")
// Heartbeat (actors/heartbeat): (hb_tick_atom, generation) timer; (hb_packet_atom, link,
// bytes) from a link's reader thread; (hb_step_atom, ticket, status, reason) a step's outcome;
// (hb_retry_atom, ticket) try the pending step again; (hb_garp_atom, generation) repeat ARP
CAF_ADD_ATOM(hamesh, hamesh, hb_tick_atom, "hbtick")
CAF_ADD_ATOM(hamesh, hamesh, hb_packet_atom, "hbpkt")
CAF_ADD_ATOM(hamesh, hamesh, hb_step_atom, "hbstep")
CAF_ADD_ATOM(hamesh, hamesh, hb_retry_atom, "hbretry")
CAF_ADD_ATOM(hamesh, hamesh, hb_garp_atom, "hbgarp")
// (hb_mesh_atom, signed heartbeat) from the peer's heartbeat actor, over the mesh
CAF_ADD_ATOM(hamesh, hamesh, hb_mesh_atom, "hbmesh")
// (mesh_peer_atom, node name) to the mesh actor -> the peer node's top, while it is up
CAF_ADD_ATOM(hamesh, hamesh, mesh_peer_atom, "meshpeer")
CAF_END_TYPE_ID_BLOCK(hamesh)

// Reload specs carry factories: they only ever travel inside one process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<const hamesh::supervision::supervisor_spec>)
// Likewise a service's new settings on a reload.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<const hamesh::ipvs::service_settings>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<const hamesh::proxy::http::http_listener_config>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<const hamesh::proxy::mail::mail_listener_config>)

namespace hamesh {

// The node's top is registered under this name, for actors that subscribe to its events.
constexpr caf::atom_value node_registry_name = caf::atom("node");

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_state& x) {
  return f(caf::meta::type_name("hamesh.actor_state"), x.path, x.name, x.kind, x.status, x.restarts,
           x.uptime_ms, x.last_failure, x.last_failure_age_ms, x.fields_json, x.children);
}

// The text of an error as a person wants it: the context string when the error carries
// one ("crash requested"), else CAF's rendering.
std::string describe(const caf::error& err);

// Registers hamesh's message types with a CAF config (every binary calls this).
void add_message_types(caf::actor_system_config& cfg);

}  // namespace hamesh
