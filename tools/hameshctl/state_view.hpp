#pragma once
// How hameshctl shows actor state to a person: a table for trees, key/value for one actor.
#include <string>
#include <vector>

#include "runtime/actor_state.hpp"

namespace hamesh::ctl {

// Rows as aligned columns, the first row the header.
std::string table(const std::vector<std::vector<std::string>>& rows);
// Every actor of `kind` in a tree, depth-first.
void collect_kind(const actor_state& s, const std::string& kind,
                  std::vector<const actor_state*>& out);
// "14:03:07.123", local time.
std::string clock_time(int64_t epoch_ms);

// "850ms", "12.3s", "5m02s", "3h04m", "2d03h"; "-" for a negative (unknown) value.
std::string human_duration_ms(int64_t ms);
// PATH KIND STATUS RESTARTS UPTIME LAST-FAILURE, one actor a line, depth-first.
std::string render_tree(const actor_state& root);
// Every field of one actor, its own fields included, and its children's paths.
std::string render_actor(const actor_state& actor);
// The node's top in a few lines: name, status, uptime, degraded or not, its functions.
std::string render_status(const actor_state& root);

// The mesh actor's membership view: PEER NAME STATE SINCE RTT CONNECTS LAST-ERROR.
std::string render_peers(const actor_state& mesh);

// Every VRRP instance in a tree: INSTANCE STATE PRIORITY MASTER VIPS SENT RECEIVED DROPPED
// LAST-TRANSITION, then each one's recent transitions with timestamps.
std::string render_vrrp(const actor_state& root);

// Every IPVS service, like `ipvsadm -Ln`, with each real server's health (actors/ipvs/).
std::string render_ipvs(const actor_state& root);
// Every probe: PROBE CHECK TARGET STATE LAST-RESULT LATENCY LAST-TRANSITION (actors/probe/).
std::string render_probes(const actor_state& root);
// Every HTTP listener (traffic, errors by class) and its pools' servers (actors/proxy/http/).
std::string render_proxies(const actor_state& root);
// Every POP3/IMAP listener and its pairs' members (actors/proxy/mail/); "" when none.
std::string render_mail_proxies(const actor_state& root);
// Every replicated volume: role, connection, disk, peer, dirty bytes, resync (actors/replica/).
std::string render_replicas(const actor_state& root);
// Every heartbeat pair: peer, links, role, resources, drops, last takeover with its timeline
// (actors/heartbeat/).
std::string render_heartbeat(const actor_state& root);

}  // namespace hamesh::ctl
