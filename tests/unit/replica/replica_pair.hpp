#pragma once
// A deterministic two-member simulator for replica_core: two cores, two in-memory block
// stores (what the disk cache holds, and what is durable), and a channel per direction whose
// delivery the test controls. Frames go through the real codec. Nothing runs by itself: the
// test delivers frames, completes disk I/O, cuts and heals the link, crashes a member; run()
// does everything still possible, in a fixed order, until nothing moves.
#include <boost/test/unit_test.hpp>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/replica/replica_core.hpp"
#include "actors/replica/replica_frame_codec.hpp"
#include "tests/unit/replica/replica_printing.hpp"

namespace hamesh::replica::test {

enum class side { a, b };
inline side other(side s) {
  return s == side::a ? side::b : side::a;
}

struct pair_options {
  uint64_t volume_size = 4 * 1024 * 1024;
  uint64_t region_size = 64 * 1024;
  replication_protocol protocol = replication_protocol::c;
  split_brain_policy policy;
  uint32_t resync_window = 4;
};

struct sim_member {
  std::string name;
  replica_settings settings;
  std::unique_ptr<replica_core> core;
  std::string cache;                      // what reads see: every completed write
  std::string durable;                    // what survives a crash: flushed or FUA writes
  std::deque<replica_action> pending_io;  // issued local I/O, oldest first
  bool auto_io = true;
  bool fail_writes = false;
  std::map<uint64_t, std::string> client_data;  // the engine's buffers, by client write id
  std::map<uint64_t, replica_errc> write_acks;
  std::vector<uint64_t> write_ack_order;
  std::map<uint64_t, replica_errc> flush_acks;
  replica_metadata stored_metadata;
  std::string stored_bitmap;
  std::vector<state_changed> changes;
  std::vector<uint64_t> mismatches;
  std::optional<verify_finished> verified;
  std::vector<resync_stats> resyncs;
  size_t local_writes_issued = 0, local_flushes_issued = 0;
};

class replica_pair {
 public:
  explicit replica_pair(pair_options o = {}) : options_(o) {
    setup(side::a, "alpha");
    setup(side::b, "beta");
  }

  sim_member& m(side s) { return s == side::a ? a_ : b_; }
  replica_core& core(side s) { return *m(s).core; }
  bool link_up() const { return up_; }
  const pair_options& options() const { return options_; }

  void apply(side s, replica_actions acts) {
    for (auto& a : acts) handle(s, std::move(a));
  }
  void command(side s, command_result r) {
    BOOST_REQUIRE_MESSAGE(r.error == replica_errc::none, to_string(r.error) << ": " << r.why);
    apply(s, std::move(r.actions));
  }

  // Both members connect (operator) and, if both are waiting, the TCP stream comes up.
  void connect(bool discard_a = false, bool discard_b = false) {
    command(side::a, core(side::a).connect(discard_a));
    command(side::b, core(side::b).connect(discard_b));
    if (core(side::a).state().connection == connection_state::connecting &&
        core(side::b).state().connection == connection_state::connecting) {
      up_ = true;
      apply(side::a, core(side::a).peer_connected());
      apply(side::b, core(side::b).peer_connected());
    }
  }
  // A partition: frames in flight are lost and both members see the stream end.
  void cut() {
    queue_[0].clear();
    queue_[1].clear();
    fin_[0] = fin_[1] = false;
    if (!up_) return;
    up_ = false;
    apply(side::a, core(side::a).peer_disconnected());
    apply(side::b, core(side::b).peer_disconnected());
  }

  // A member dies (its cache is lost) and starts again from what it persisted.
  void crash(side s, std::optional<std::string> stored_bitmap_override = std::nullopt) {
    sim_member& x = m(s);
    queue_[0].clear();
    queue_[1].clear();
    fin_[0] = fin_[1] = false;
    bool was_up = up_;
    up_ = false;
    x.cache = x.durable;
    x.pending_io.clear();
    std::string bits = stored_bitmap_override ? *stored_bitmap_override : x.stored_bitmap;
    x.core = std::make_unique<replica_core>(
        x.settings, x.stored_metadata,
        decode_dirty_bitmap(bits, x.settings.volume_size, x.settings.region_size));
    apply(s, x.core->start());
    if (was_up) apply(other(s), core(other(s)).peer_disconnected());
  }

  uint64_t write(side s, uint64_t offset, std::string data, bool fua = false) {
    uint64_t id = next_client_id_++;
    m(s).client_data[id] = data;
    apply(s, core(s).client_write(id, offset, data.size(), fua));
    return id;
  }
  uint64_t flush(side s) {
    uint64_t id = next_client_id_++;
    apply(s, core(s).client_flush(id));
    return id;
  }

  size_t in_flight(side from) const { return queue_[idx(from)].size(); }
  uint64_t bytes_sent(side from) const { return bytes_[idx(from)]; }
  void drop_next(side from) { queue_[idx(from)].pop_front(); }

  // Delivers the oldest frame from `from`; false if there is none.
  bool deliver(side from) {
    auto& q = queue_[idx(from)];
    side to = other(from);
    if (q.empty()) {
      if (fin_[idx(from)]) {
        fin_[idx(from)] = false;
        apply(to, core(to).peer_disconnected());
        return true;
      }
      return false;
    }
    std::string bytes = std::move(q.front());
    q.pop_front();
    frame_decode d = decode_frame(bytes);
    BOOST_REQUIRE(d.result == frame_decode::status::frame);
    BOOST_REQUIRE(d.consumed == bytes.size());
    apply(to, core(to).peer_frame(std::move(d.frame)));
    return true;
  }

  // Completes the oldest issued I/O of `s`; false if there is none.
  bool complete_io(side s) {
    sim_member& x = m(s);
    if (x.pending_io.empty()) return false;
    replica_action a = std::move(x.pending_io.front());
    x.pending_io.pop_front();
    if (auto* w = std::get_if<local_write>(&a)) {
      const std::string& data = w->client_write ? x.client_data.at(*w->client_write) : w->data;
      BOOST_REQUIRE(data.size() == w->length);
      if (x.fail_writes) return (apply(s, x.core->local_write_done(w->io, false)), true);
      x.cache.replace(w->offset, w->length, data);
      if (w->fua) x.durable.replace(w->offset, w->length, data);
      apply(s, x.core->local_write_done(w->io, true));
    } else if (auto* f = std::get_if<local_flush>(&a)) {
      x.durable = x.cache;
      apply(s, x.core->local_flush_done(f->io, true));
    } else if (auto* r = std::get_if<local_read>(&a)) {
      apply(s, x.core->local_read_done(r->io, true, x.cache.substr(r->offset, r->length)));
    }
    return true;
  }

  // Everything still possible, in a fixed order, until nothing moves.
  void run() {
    for (size_t round = 0; round < 10'000'000; ++round) {
      bool moved = false;
      for (side s : {side::a, side::b}) {
        if (deliver_auto_[idx(s)]) moved |= deliver(s);
        if (m(s).auto_io) moved |= complete_io(s);
      }
      if (!moved) return;
    }
    BOOST_FAIL("the simulation did not settle");
  }
  void auto_deliver(side from, bool on) { deliver_auto_[idx(from)] = on; }

  // A connected, in-sync pair of new members, `a` primary.
  void make_in_sync() {
    command(side::a, core(side::a).initialise_as_first_source());
    connect();
    run();
    command(side::a, core(side::a).promote(false, 100));
    run();
  }

  bool stores_equal() const { return a_.cache == b_.cache; }

 private:
  static size_t idx(side s) { return s == side::a ? 0 : 1; }

  void setup(side s, const char* name) {
    sim_member& x = m(s);
    x.name = name;
    x.settings.node_name = name;
    x.settings.volume_name = "mail0";
    x.settings.volume_size = options_.volume_size;
    x.settings.region_size = options_.region_size;
    x.settings.protocol = options_.protocol;
    x.settings.after_split_brain = options_.policy;
    x.settings.resync_window = options_.resync_window;
    x.settings.generation_seed = s == side::a ? 0xa11a : 0xbe7a;
    x.cache.assign(options_.volume_size, '\0');
    x.durable = x.cache;
    dirty_bitmap empty(options_.volume_size, options_.region_size);
    x.core = std::make_unique<replica_core>(x.settings, replica_metadata{}, bitmap_load{empty, {}});
    BOOST_REQUIRE(x.core->settings_error() == replica_errc::none);
    apply(s, x.core->start());
  }

  void send_bytes(side from, std::string bytes) {
    if (!up_) return;
    bytes_[idx(from)] += bytes.size();
    queue_[idx(from)].push_back(std::move(bytes));
  }

  void handle(side s, replica_action a) {
    sim_member& x = m(s);
    if (std::holds_alternative<local_write>(a) || std::holds_alternative<local_flush>(a) ||
        std::holds_alternative<local_read>(a)) {
      x.local_writes_issued += std::holds_alternative<local_write>(a);
      x.local_flushes_issued += std::holds_alternative<local_flush>(a);
      x.pending_io.push_back(std::move(a));
    } else if (auto* f = std::get_if<send_frame>(&a)) {
      send_bytes(s, encode_frame(f->frame));
    } else if (auto* w = std::get_if<send_client_write>(&a)) {
      const std::string& data = x.client_data.at(w->client_write);
      BOOST_REQUIRE(data.size() == w->length);
      std::string bytes;
      append_write_frame_prefix(bytes, w->sequence, w->offset, w->flags, w->length);
      send_bytes(s, bytes + data);
    } else if (auto* ack = std::get_if<ack_client_write>(&a)) {
      BOOST_REQUIRE_MESSAGE(!x.write_acks.count(ack->client_write), "a write acked twice");
      x.write_acks[ack->client_write] = ack->result;
      x.write_ack_order.push_back(ack->client_write);
    } else if (auto* fa = std::get_if<ack_client_flush>(&a)) {
      x.flush_acks[fa->client_flush] = fa->result;
    } else if (auto* pm = std::get_if<persist_metadata>(&a)) {
      x.stored_metadata = pm->metadata;
    } else if (auto* pb = std::get_if<persist_bitmap>(&a)) {
      x.stored_bitmap = pb->encoded;
    } else if (auto* sc = std::get_if<state_changed>(&a)) {
      x.changes.push_back(*sc);
    } else if (auto* vm = std::get_if<verify_mismatch>(&a)) {
      x.mismatches.push_back(vm->region);
    } else if (auto* vf = std::get_if<verify_finished>(&a)) {
      x.verified = *vf;
    } else if (auto* rf = std::get_if<resync_finished>(&a)) {
      x.resyncs.push_back(rf->stats);
    } else if (std::holds_alternative<close_connection>(a)) {
      if (!up_) return;
      // TCP: what this side queued still reaches the peer, then the peer sees the end.
      up_ = false;
      queue_[idx(other(s))].clear();
      fin_[idx(s)] = true;
      apply(s, x.core->peer_disconnected());
    }
  }

  pair_options options_;
  sim_member a_, b_;
  bool up_ = false;
  std::deque<std::string> queue_[2];
  bool fin_[2] = {false, false};
  bool deliver_auto_[2] = {true, true};
  uint64_t bytes_[2] = {0, 0};
  uint64_t next_client_id_ = 1;
};

}  // namespace hamesh::replica::test
