#pragma once
// One member of one replicated volume (DRBD's job, pure): the state machine its engine drives.
// The engine owns the TCP stream to the peer, the local disk and the NBD export; it feeds the
// core client requests, decoded peer frames, disk completions and operator commands, and
// carries out the actions each call returns, in order (replica_action.hpp). No sockets,
// threads, clock or randomness here: a promotion's stamp and the seed of new generation ids
// come in as arguments.
//
// The rules, after DRBD:
// - Only the primary takes client writes; each goes to the local disk and, while connected,
//   to the peer in sequence; the secondary applies them in that order, overlapping writes
//   never reordered (io_order). Protocol A/B/C picks when the client hears "done".
// - Flush and FUA are honoured on both members. Writes the peer has not flushed are tracked
//   (DRBD's transfer log and barriers): if the peer is lost they become dirty regions.
// - Without a peer, writes go on degraded: the first change starts a new data generation and
//   the dirty bitmap records each region, before the write is issued. No write acknowledged
//   by the survivor is lost.
// - On reconnect the hellos' generation ids decide (decide_sync), with the split-brain policy
//   when both changed; a bitmap resync sends only dirty regions (both members' bitmaps
//   merged); an untrusted bitmap means a full resync comparing SHA-256 sums first. Client
//   writes keep replicating during a resync; the target is inconsistent until it is done.
// - Online verify compares region checksums and reports mismatches, changing nothing.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/replica/dirty_bitmap.hpp"
#include "actors/replica/io_order.hpp"
#include "actors/replica/replica_action.hpp"
#include "actors/replica/replica_settings.hpp"
#include "actors/replica/sync_decision.hpp"

namespace hamesh::replica {

using replica_actions = std::vector<replica_action>;

// An operator command's answer: refused with a reason, or accepted with actions.
struct command_result {
  replica_errc error = replica_errc::none;
  std::string why;
  replica_actions actions;
};

class replica_core {
 public:
  // `stored` is the decoded metadata (a new member: default); `bitmap` the decoded stored
  // bitmap, possibly untrusted. Settings must validate(); settings_error() says if not, and a
  // core with bad settings refuses everything.
  replica_core(replica_settings settings, replica_metadata stored, bitmap_load bitmap);
  replica_errc settings_error() const { return settings_error_; }

  // First call: a member whose stored flags still say primary crashed as primary; it starts
  // as secondary and says so in its metadata.
  replica_actions start();

  // ----- client (NBD) requests; ids are the engine's, unique among those in flight -----
  replica_actions client_write(uint64_t id, uint64_t offset, uint64_t length, bool fua);
  replica_actions client_flush(uint64_t id);

  // ----- local disk completions, by the io token of the action -----
  replica_actions local_write_done(uint64_t io, bool ok);
  replica_actions local_flush_done(uint64_t io, bool ok);
  replica_actions local_read_done(uint64_t io, bool ok, std::string data);

  // ----- the peer -----
  // A TCP stream to the peer exists (after connect): the core sends its hello.
  replica_actions peer_connected();
  replica_actions peer_frame(replica_frame frame);
  // The stream ended (or the engine gave up on it after a ping timeout).
  replica_actions peer_disconnected();
  // A keep-alive probe; the engine times the pong.
  replica_actions ping(uint64_t nonce);

  // ----- operator commands -----
  // Refused while the connected peer is primary or our data is inconsistent, unless forced;
  // forcing drops the connection first, so two primaries never replicate to each other.
  // `stamp` orders promotions across members (discard-younger-primary): the engine's wall
  // clock. A never-initialised member forced to primary becomes the first sync source.
  command_result promote(bool force, uint64_t stamp);
  command_result demote();
  // Start connecting (the engine dials or accepts). `discard_my_data`: in a split brain this
  // member is the victim (DRBD's --discard-my-data).
  command_result connect(bool discard_my_data = false);
  command_result disconnect();
  command_result start_verify();
  // Designate this new member as the initial sync source of a new pair (full sync follows).
  command_result initialise_as_first_source();

  // ----- what the engine, the actor and hameshctl read -----
  replica_state state() const { return state_; }
  const generation_ids& ids() const { return ids_; }
  replica_metadata metadata() const;
  const dirty_bitmap& bitmap() const { return bitmap_; }
  bool bitmap_trusted() const { return bitmap_trusted_; }
  const resync_stats& last_resync() const { return resync_.stats; }
  bool resync_running() const { return resync_.active; }
  bool verify_running() const { return verify_.active; }
  std::optional<replica_role> peer_role() const { return peer_role_; }
  const replica_settings& settings() const { return settings_; }
  size_t client_writes_in_flight() const { return writes_.size(); }
  // Reads may be served locally: this member's data is whole and current.
  bool can_serve_reads() const { return state_.disk == disk_state::up_to_date; }

 private:
  struct client_write_state {
    uint64_t offset = 0, length = 0;
    bool fua = false;
    bool local_done = false;
    replica_errc local_error = replica_errc::none;
    bool replicated = false;  // sent on the current connection, durable ack awaited
    uint64_t sequence = 0;
    bool peer_received = false, peer_durable = false;
    bool acked = false;
  };
  struct flush_state {
    bool client = false;
    uint64_t client_id = 0;
    uint64_t serial_at_start = 0;
    bool local_done = false;
    replica_errc local_error = replica_errc::none;
    bool waiting_peer = false;
  };
  // What a local I/O token is for.
  struct io_job {
    enum class purpose {
      client_write,    // ref: client write id
      client_flush,    // ref: flush key (client or barrier)
      peer_write,      // ref: sequence (secondary)
      peer_flush,      // ref: the peer's flush id (secondary); preflush: no answer
      peer_preflush,   // a write's preflush (secondary)
      resync_read,     // ref: region (source)
      resync_write,    // ref: region (target)
      resync_compare,  // ref: region (target, checksum-based)
      resync_flush,    // the target's flush before it declares itself up to date
      verify_read,     // ref: region (the verifying member)
      verify_answer,   // ref: region (the other member)
    };
    purpose what = purpose::client_write;
    uint64_t ref = 0;
    uint64_t link = 0;  // the connection it belongs to: answers on a dead link are dropped
    region_checksum sum{};
    replica_action start;  // the local_* action to emit when io_order lets it start
  };
  struct resync_region {
    enum class phase { reading, awaiting_target, sending };
    phase at = phase::reading;
    bool checksum = false;
    bool invalidated = false;  // a client write touched it after the read was queued
    std::string data;          // held between the checksum and the target's answer
  };
  struct resync_run {
    bool active = false;
    bool source = false;
    bool awaiting_peer_bitmap = false;
    bool checksums = false;
    uint64_t cursor = 0;
    std::map<uint64_t, resync_region> in_flight;
    resync_stats stats;
  };
  struct verify_region {
    bool have_local = false, have_peer = false, invalidated = false;
    replica_errc error = replica_errc::none;
    region_checksum local{}, peer{};
    unsigned retries = 0;
  };
  struct verify_run {
    bool active = false;
    uint64_t cursor = 0;
    std::map<uint64_t, verify_region> in_flight;
    verify_finished totals;
  };

  // replica_core.cpp: state, handshake, connection, roles.
  void emit(replica_action a) { out_.push_back(std::move(a)); }
  replica_actions take();
  void set_state(replica_state next, const std::string& reason);
  void set_connection(connection_state c, const std::string& reason);
  void set_disk(disk_state d, const std::string& reason);
  void send(replica_frame f) { emit(send_frame{std::move(f)}); }
  void persist_metadata_now();
  void persist_bitmap_now();
  uint64_t fresh_generation();
  bool established() const;
  hello_frame make_hello() const;
  void on_hello(const hello_frame& h);
  void refuse(connection_state refused_state, replica_errc why, const std::string& text);
  void protocol_error(replica_errc why, const std::string& text);
  void lose_peer(connection_state next, const std::string& reason);
  void establish(connection_state c, const std::string& reason);
  void mark_changed(uint64_t offset, uint64_t length);
  void on_role_change(const role_change_frame& f);

  // replica_core_io.cpp: writes, flushes, local I/O.
  uint64_t submit_io(io_job job, io_order::kind k, uint64_t offset, uint64_t length,
                     bool barrier = false);
  void start_ios(const std::vector<uint64_t>& tokens);
  void finish_io(uint64_t io);
  void try_ack(uint64_t id);
  void try_finish_flush(uint64_t key);
  void maybe_barrier();
  void seal_epoch(uint64_t key);
  void on_peer_write(write_frame f);
  void on_write_ack(const write_ack_frame& f);
  void on_peer_flush(const flush_frame& f);
  void on_flush_ack(const flush_ack_frame& f);
  void touch_activity(uint64_t offset, uint64_t length);
  void trim_activity(uint64_t serial);
  void invalidate_regions(uint64_t offset, uint64_t length);

  // replica_core_resync.cpp: resync (both sides) and verify.
  void start_sync_source(bool full, const std::string& reason);
  void start_sync_target(bool full, const std::string& reason);
  void resync_pump();
  void start_resync_region(uint64_t region, bool checksum);
  void finish_sync_source();
  void on_resync_read(uint64_t region, bool ok, std::string data);
  void on_dirty_bitmap(const dirty_bitmap_frame& f);
  void on_resync_checksum(const resync_checksum_frame& f);
  void on_resync_data(resync_data_frame f);
  void on_resync_ack(const resync_ack_frame& f);
  void on_resync_done(const resync_done_frame& f);
  void on_resync_compare(uint64_t region, const region_checksum& theirs, bool ok,
                         const std::string& data);
  void send_bitmap();
  void count_resync_frame(const replica_frame& f);
  void verify_pump();
  void start_verify_region(uint64_t region);
  void verify_region_done(uint64_t region);
  void on_verify_request(const verify_request_frame& f);
  void on_verify_reply(const verify_reply_frame& f);

  replica_settings settings_;
  replica_errc settings_error_ = replica_errc::none;
  generation_ids ids_;
  uint64_t promoted_at_ = 0;
  dirty_bitmap bitmap_;
  bool bitmap_trusted_ = true;
  replica_state state_;
  replica_actions out_;

  uint64_t generation_counter_ = 0;
  uint64_t next_io_ = 1;
  uint64_t link_ = 0;  // counts connections
  bool discard_my_data_ = false;
  std::optional<replica_role> peer_role_;
  std::optional<hello_frame> peer_hello_;

  io_order order_;
  std::map<uint64_t, io_job> io_;
  std::map<uint64_t, client_write_state> writes_;
  std::map<uint64_t, uint64_t> by_sequence_;  // primary: sequence -> client write id
  uint64_t next_sequence_ = 1;                // primary: the next write's sequence
  uint64_t expected_sequence_ = 1;            // secondary: the next write it accepts
  std::map<uint64_t, flush_state> flushes_;
  uint64_t next_flush_ = 1;
  // Regions sent to the peer since its last flush, and those sealed by a flush in flight.
  std::set<uint64_t> unflushed_;
  std::map<uint64_t, std::set<uint64_t>> sealed_;
  // Extents written while connected, with the serial of their last write (activity log).
  std::map<uint64_t, uint64_t> activity_;
  uint64_t write_serial_ = 0;

  resync_run resync_;
  std::optional<generation_ids> target_done_ids_;
  verify_run verify_;
};

}  // namespace hamesh::replica
