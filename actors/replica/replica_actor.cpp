#include "actors/replica/replica_actor.hpp"

#include <caf/all.hpp>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "actors/replica/replica_engine.hpp"
#include "runtime/caf_types.hpp"
#include "runtime/ipv4_text.hpp"
#include "runtime/logging.hpp"
#include "runtime/metrics/metric_json.hpp"

namespace hamesh::replica {
namespace {

struct replica_actor_state {
  std::string path;
  replica_volume_config cfg;
  std::unique_ptr<replica_engine> engine;
  std::shared_ptr<spdlog::logger> log;
};

using self_ptr = caf::stateful_actor<replica_actor_state>*;

std::string hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

nlohmann::json fields(const replica_actor_state& st) {
  auto s = st.engine->status();
  auto& c = st.cfg;
  auto& r = s.resync;
  double progress = r.regions_total ? 100.0 * double(r.regions_done) / double(r.regions_total)
                                    : (s.resync_running ? 0.0 : 100.0);
  nlohmann::json labels = {{"volume", c.name}};
  bool primary = s.state.role == replica_role::primary;
  auto metrics = nlohmann::json::array(
      {metrics::metric("replica_primary", "gauge", "1 while this member is primary.", primary,
                       labels),
       metrics::metric("replica_connected", "gauge", "1 while replicating to the peer.",
                       s.peer_address.empty() ? 0 : 1, labels),
       metrics::metric("replica_up_to_date", "gauge", "1 while the local disk is up to date.",
                       s.state.disk == disk_state::up_to_date, labels),
       metrics::metric("replica_dirty_bytes", "gauge", "Bytes the peer may lack.",
                       double(s.dirty_bytes), labels),
       metrics::metric("replica_client_writes_total", "counter", "Client writes.",
                       double(s.client_writes), labels),
       metrics::metric("replica_resync_bytes_total", "counter",
                       "Region bytes sent by the last resync.", double(r.data_bytes_sent), labels),
       metrics::metric("replica_disconnects_total", "counter", "Streams to the peer lost.",
                       double(s.disconnects), labels)});
  return {
      {"volume", c.name},
      {"role", to_string(s.state.role)},
      {"connection", to_string(s.state.connection)},
      {"disk", to_string(s.state.disk)},
      {"peer_role", s.peer_role ? to_string(*s.peer_role) : "unknown"},
      {"peer", s.peer_address},
      {"protocol", to_string(c.protocol)},
      {"direct", c.direct},
      {"direct_active", s.direct_active},
      {"after_split_brain", to_string(c.after_split_brain)},
      {"size", c.size},
      {"region_size", c.region_size},
      {"generations",
       {{"current", hex(s.ids.current)},
        {"bitmap", hex(s.ids.bitmap)},
        {"history", {hex(s.ids.history[0]), hex(s.ids.history[1])}},
        {"crashed_primary", s.ids.crashed_primary}}},
      {"dirty_regions", s.dirty_regions},
      {"dirty_bytes", s.dirty_bytes},
      {"bitmap_trusted", s.bitmap_trusted},
      {"resync",
       {{"running", s.resync_running},
        {"as_source", r.as_source},
        {"full", r.full},
        {"checksums", r.checksums},
        {"regions_total", r.regions_total},
        {"regions_done", r.regions_done},
        {"regions_in_sync", r.regions_in_sync},
        {"dirty_bytes_total", r.dirty_bytes_total},
        {"data_bytes_sent", r.data_bytes_sent},
        {"wire_bytes_sent", r.wire_bytes_sent},
        {"progress_percent", progress}}},
      {"verify",
       {{"running", s.verify_running},
        {"regions_checked", s.verify.regions_checked},
        {"mismatches", s.verify.mismatches},
        {"regions_skipped", s.verify.regions_skipped},
        {"mismatched_regions", s.verify_mismatches}}},
      {"last_change", s.last_change},
      {"state_changes", s.state_changes},
      {"client",
       {{"writes", s.client_writes},
        {"reads", s.client_reads},
        {"flushes", s.client_flushes},
        {"bytes_written", s.bytes_written},
        {"bytes_read", s.bytes_read},
        {"errors", s.write_errors},
        {"in_flight", s.writes_in_flight}}},
      {"stream",
       {{"listen", format_ipv4(c.listen_address) + ":" + std::to_string(s.replication_port)},
        {"connects", s.connects},
        {"disconnects", s.disconnects},
        {"frames_in", s.frames_in},
        {"frames_out", s.frames_out},
        {"bytes_in", s.bytes_from_peer},
        {"bytes_out", s.bytes_to_peer},
        {"protocol_errors", s.protocol_errors}}},
      {"export",
       {{"listen", format_ipv4(c.export_address) + ":" + std::to_string(s.export_port)},
        {"name", c.export_name},
        {"serving", primary},
        {"connections", s.export_connections}}},
      {"bitmap_writes", s.bitmap_writes},
      {"metrics", metrics},
  };
}

std::optional<replica_command> parse_command(const std::string& text) {
  if (text == "promote") return replica_command::promote;
  if (text == "promote --force") return replica_command::force_promote;
  if (text == "demote") return replica_command::demote;
  if (text == "connect") return replica_command::connect;
  if (text == "disconnect") return replica_command::disconnect;
  if (text == "verify") return replica_command::verify;
  return std::nullopt;
}

caf::behavior replica_actor(self_ptr self, std::string path, replica_volume_config cfg,
                            std::string node_name) {
  auto& st = self->state;
  st.path = std::move(path);
  st.cfg = std::move(cfg);
  st.log = logging::get(st.path);
  replica_engine_settings es;
  es.volume = st.cfg;
  es.node_name = std::move(node_name);
  es.log = [log = st.log](int level, const std::string& line) {
    log->log(level == 0   ? spdlog::level::info
             : level == 1 ? spdlog::level::warn
                          : spdlog::level::err,
             line);
  };
  st.engine = std::make_unique<replica_engine>(es);
  if (auto err = st.engine->start(); !err.empty()) {
    st.log->error("cannot start: {}", err);
    self->quit(caf::make_error(caf::sec::runtime_error, err));
    return {};
  }
  auto s = st.engine->status();
  st.log->info("volume {} ({} bytes, protocol {}) on {}: {}; replication on {}:{}, NBD on {}:{}",
               st.cfg.name, st.cfg.size, to_string(st.cfg.protocol), st.cfg.file.string(),
               to_string(s.state), format_ipv4(st.cfg.listen_address), s.replication_port,
               format_ipv4(st.cfg.export_address), s.export_port);
  self->set_exit_handler([=](caf::exit_msg& em) {
    // Demotes, says goodbye to the peer and fails what is in flight (replica_engine::stop).
    self->state.engine->stop();
    self->quit(em.reason);
  });
  return {
      [=](replica_command_atom, const std::string& text) -> caf::result<std::string> {
        auto c = parse_command(text);
        if (!c) return caf::make_error(caf::sec::invalid_argument, "unknown command: " + text);
        // The engine answers from its own thread within one event: a short wait.
        auto r = self->state.engine->command(*c);
        if (!r.ok) return caf::make_error(caf::sec::invalid_argument, r.text);
        return r.text;
      },
      [=](state_atom, const std::string&) {
        actor_state a;
        a.fields_json = fields(self->state).dump();
        return a;
      },
  };
}

}  // namespace

caf::actor spawn_replica(caf::local_actor* parent, const std::string& path,
                         const replica_volume_config& cfg, const std::string& node_name) {
  return parent->spawn(replica_actor, path, cfg, node_name);
}

}  // namespace hamesh::replica
