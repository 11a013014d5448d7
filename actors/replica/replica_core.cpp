// replica_core: state, the handshake, the connection's life and the roles.
#include "actors/replica/replica_core.hpp"
#include <algorithm>
#include <cstring>

namespace hamesh::replica {

replica_core::replica_core(replica_settings settings, replica_metadata stored, bitmap_load bitmap)
    : settings_(std::move(settings)), ids_(stored.ids), promoted_at_(stored.promoted_at) {
  std::string why;
  settings_error_ = settings_.validate(&why);
  bitmap_ = dirty_bitmap(settings_.volume_size,
                         dirty_bitmap::valid_geometry(settings_.volume_size, settings_.region_size)
                             ? settings_.region_size
                             : dirty_bitmap::default_region_size);
  if (bitmap.bitmap && bitmap.bitmap->same_geometry(bitmap_))
    bitmap_ = std::move(*bitmap.bitmap);
  else
    bitmap_trusted_ = false;
  state_.disk = ids_.consistent ? disk_state::up_to_date : disk_state::inconsistent;
}

replica_actions replica_core::take() {
  replica_actions a;
  a.swap(out_);
  return a;
}

replica_actions replica_core::start() {
  if (settings_error_ != replica_errc::none) return {};
  if (ids_.primary) {
    // DRBD: a member that comes up with its primary flag still set died as primary.
    ids_.primary = false;
    ids_.crashed_primary = true;
    persist_metadata_now();
  }
  return take();
}

replica_metadata replica_core::metadata() const {
  replica_metadata m;
  m.ids = ids_;
  m.promoted_at = promoted_at_;
  return m;
}

void replica_core::set_state(replica_state next, const std::string& reason) {
  if (next == state_) return;
  emit(state_changed{state_, next, reason});
  state_ = next;
}

void replica_core::set_connection(connection_state c, const std::string& reason) {
  replica_state s = state_;
  s.connection = c;
  set_state(s, reason);
}

void replica_core::set_disk(disk_state d, const std::string& reason) {
  replica_state s = state_;
  s.disk = d;
  set_state(s, reason);
}

void replica_core::persist_metadata_now() {
  emit(persist_metadata{metadata()});
}

void replica_core::persist_bitmap_now() {
  // An untrusted bitmap misses earlier changes: storing it with a valid checksum would make
  // the next start trust it. It stays untrusted on disk until a full resync.
  if (!bitmap_trusted_) return;
  dirty_bitmap stored = bitmap_;
  // The active extents, as every region they hold.
  uint64_t extent = settings_.activity_extent_size;
  for (const auto& [e, serial] : activity_)
    stored.mark(e * extent, std::min(extent, stored.volume_size() -
                                                 std::min(stored.volume_size(), e * extent)));
  emit(persist_bitmap{stored.encode()});
}

uint64_t replica_core::fresh_generation() {
  for (;;) {
    std::string input = settings_.node_name;
    for (uint64_t v : {settings_.generation_seed, ++generation_counter_, ids_.current})
      input.append(reinterpret_cast<const char*>(&v), sizeof v);
    region_checksum sum = checksum_of(input);
    uint64_t id = 0;
    std::memcpy(&id, sum.data(), sizeof id);
    if (id != 0 && !ids_.knows(id)) return id;
  }
}

bool replica_core::established() const {
  return state_.connection == connection_state::connected ||
         state_.connection == connection_state::sync_source ||
         state_.connection == connection_state::sync_target;
}

void replica_core::mark_changed(uint64_t offset, uint64_t length) {
  // The first change the peer does not get starts a new data generation, so that the next
  // handshake sees this member moved on (DRBD: new current UUID on the first write without
  // the peer); the bitmap id keeps the generation the peer still holds.
  if (ids_.bitmap == 0) {
    ids_.start_new_generation(fresh_generation());
    persist_metadata_now();
  }
  if (bitmap_.mark(offset, length) > 0) persist_bitmap_now();
}

// ----- the handshake -----

hello_frame replica_core::make_hello() const {
  hello_frame h;
  h.node_name = settings_.node_name;
  h.volume_name = settings_.volume_name;
  h.volume_size = settings_.volume_size;
  h.block_size = settings_.block_size;
  h.region_size = settings_.region_size;
  h.role = state_.role;
  h.ids = ids_;
  h.bitmap_trusted = bitmap_trusted_;
  h.discard_my_data = discard_my_data_;
  h.dirty_regions = bitmap_.count();
  h.promoted_at = promoted_at_;
  return h;
}

replica_actions replica_core::peer_connected() {
  if (settings_error_ != replica_errc::none) return {};
  if (state_.connection != connection_state::connecting) {
    // The engine connected while the operator said standalone (or after a refusal): hang up.
    emit(close_connection{replica_errc::unexpected_frame});
    return take();
  }
  ++link_;
  expected_sequence_ = 1;
  next_sequence_ = 1;
  peer_hello_.reset();
  peer_role_.reset();
  set_connection(connection_state::handshaking, "connected to the peer, exchanging hellos");
  send(make_hello());
  return take();
}

void replica_core::refuse(connection_state refused_state, replica_errc why,
                          const std::string& text) {
  send(goodbye_frame{why, text.substr(0, 1024)});
  emit(close_connection{why});
  lose_peer(refused_state, text);
}

void replica_core::protocol_error(replica_errc why, const std::string& text) {
  // A peer that breaks the protocol is dropped; the engine reconnects and the handshake
  // starts over from the generation ids, which is always safe.
  send(goodbye_frame{why, text.substr(0, 1024)});
  emit(close_connection{why});
  lose_peer(connection_state::connecting, "protocol error: " + text);
}

void replica_core::on_hello(const hello_frame& h) {
  if (state_.connection != connection_state::handshaking)
    return protocol_error(replica_errc::unexpected_frame, "hello outside the handshake");
  if (h.volume_name != settings_.volume_name || h.volume_size != settings_.volume_size ||
      h.block_size != settings_.block_size || h.region_size != settings_.region_size)
    return refuse(connection_state::refused, replica_errc::volume_mismatch,
                  "the peer's volume " + h.volume_name + " (" + std::to_string(h.volume_size) +
                      " bytes) is not ours");
  if (h.node_name == settings_.node_name)
    return refuse(connection_state::refused, replica_errc::same_node_name,
                  "the peer is also called " + h.node_name);
  peer_hello_ = h;
  peer_role_ = h.role;
  if (h.role == replica_role::primary && state_.role == replica_role::primary)
    return refuse(connection_state::refused, replica_errc::dual_primary,
                  "both members are primary: demote one");

  sync_inputs in;
  in.local_bitmap_trusted = bitmap_trusted_;
  in.peer_bitmap_trusted = h.bitmap_trusted;
  in.local_wins_ties = settings_.node_name < h.node_name;
  sync_verdict v = decide_sync(ids_, h.ids, in);
  std::string rule = std::string(v.why) + " (rule " + std::to_string(v.rule) + ")";
  bool full = !(bitmap_trusted_ && h.bitmap_trusted);
  bool local_target = false, peer_target = false;
  switch (v.decision) {
    case sync_decision::in_sync:
      break;
    case sync_decision::become_sync_source:
    case sync_decision::full_sync_as_source:
      peer_target = true;
      full = v.decision == sync_decision::full_sync_as_source;
      break;
    case sync_decision::become_sync_target:
    case sync_decision::full_sync_as_target:
      local_target = true;
      full = v.decision == sync_decision::full_sync_as_target;
      break;
    case sync_decision::split_brain: {
      if (!v.bitmap_usable)
        return refuse(connection_state::refused_split_brain, replica_errc::split_brain,
                      "split brain without a common bitmap: " + rule + ", an operator decides");
      split_brain_resolution r;
      if (discard_my_data_ != h.discard_my_data) {
        r.result = discard_my_data_ ? split_brain_resolution::outcome::local_is_victim
                                    : split_brain_resolution::outcome::peer_is_victim;
        r.why = "split brain: " + (discard_my_data_ ? settings_.node_name : h.node_name) +
                " discards its data (operator)";
      } else {
        r = resolve_split_brain(
            settings_.after_split_brain,
            {settings_.node_name, promoted_at_, bitmap_.count(),
             state_.role == replica_role::primary},
            {h.node_name, h.promoted_at, h.dirty_regions, h.role == replica_role::primary});
      }
      if (r.result == split_brain_resolution::outcome::refuse)
        return refuse(connection_state::refused_split_brain, replica_errc::split_brain, r.why);
      local_target = r.result == split_brain_resolution::outcome::local_is_victim;
      peer_target = !local_target;
      rule = r.why;
      break;
    }
    case sync_decision::unrelated_data:
      return refuse(connection_state::refused_unrelated_data, replica_errc::unrelated_data,
                    "unrelated data: " + rule);
    case sync_decision::no_initial_sync_source:
      return refuse(connection_state::refused, replica_errc::no_initial_sync_source,
                    "both members are new: designate the initial sync source");
  }
  if ((local_target && state_.role == replica_role::primary) ||
      (peer_target && h.role == replica_role::primary))
    return refuse(connection_state::refused, replica_errc::target_is_primary,
                  "the sync target would be the primary: " + rule);
  if (local_target) return start_sync_target(full, rule);
  if (peer_target) return start_sync_source(full, rule);
  // In sync: leftover bits count changes the peer has too.
  if (!bitmap_.empty()) {
    bitmap_.clear_all();
    persist_bitmap_now();
  }
  establish(connection_state::connected, "in sync with " + h.node_name + ": " + rule);
}

void replica_core::establish(connection_state c, const std::string& reason) {
  discard_my_data_ = false;
  set_connection(c, reason);
}

// ----- losing the peer -----

void replica_core::lose_peer(connection_state next, const std::string& reason) {
  if (established() || state_.connection == connection_state::handshaking) {
    // Writes the peer may not hold: sent but not durable there, or durable but not flushed
    // (DRBD's transfer log up to the last barrier ack). They become dirty on this side.
    for (auto& [id, w] : writes_)
      if (w.replicated && !w.peer_durable) {
        mark_changed(w.offset, w.length);
        w.replicated = false;
      } else {
        w.replicated = false;
      }
    by_sequence_.clear();
    for (uint64_t r : unflushed_) mark_changed(bitmap_.region_offset(r), 1);
    for (const auto& [key, regions] : sealed_)
      for (uint64_t r : regions) mark_changed(bitmap_.region_offset(r), 1);
    unflushed_.clear();
    sealed_.clear();
    for (auto& [key, f] : flushes_) f.waiting_peer = false;
    resync_.active = false;
    resync_.awaiting_peer_bitmap = false;
    resync_.in_flight.clear();
    target_done_ids_.reset();
    verify_.active = false;
    verify_.in_flight.clear();
    peer_role_.reset();
    peer_hello_.reset();
  }
  set_connection(next, reason);
  // Writes waiting only for the peer complete now, on this member alone.
  std::vector<uint64_t> ids;
  for (const auto& [id, w] : writes_) ids.push_back(id);
  for (uint64_t id : ids) try_ack(id);
  std::vector<uint64_t> keys;
  for (const auto& [key, f] : flushes_) keys.push_back(key);
  for (uint64_t key : keys) try_finish_flush(key);
}

replica_actions replica_core::peer_disconnected() {
  if (established() || state_.connection == connection_state::handshaking)
    lose_peer(connection_state::connecting, "the peer is gone");
  return take();
}

replica_actions replica_core::ping(uint64_t nonce) {
  if (established() || state_.connection == connection_state::handshaking) send(ping_frame{nonce});
  return take();
}

// ----- peer frames -----

replica_actions replica_core::peer_frame(replica_frame frame) {
  bool linked = established() || state_.connection == connection_state::handshaking;
  if (!linked) return {};  // a frame still in the engine's buffer after we hung up
  if (state_.connection == connection_state::handshaking &&
      !std::holds_alternative<hello_frame>(frame) &&
      !std::holds_alternative<goodbye_frame>(frame) && !std::holds_alternative<ping_frame>(frame) &&
      !std::holds_alternative<pong_frame>(frame)) {
    protocol_error(replica_errc::unexpected_frame,
                   std::string(frame_name(frame)) + " before the handshake finished");
    return take();
  }
  if (auto* f = std::get_if<hello_frame>(&frame)) {
    on_hello(*f);
  } else if (auto* f = std::get_if<write_frame>(&frame)) {
    on_peer_write(std::move(*f));
  } else if (auto* f = std::get_if<write_ack_frame>(&frame)) {
    on_write_ack(*f);
  } else if (auto* f = std::get_if<flush_frame>(&frame)) {
    on_peer_flush(*f);
  } else if (auto* f = std::get_if<flush_ack_frame>(&frame)) {
    on_flush_ack(*f);
  } else if (auto* f = std::get_if<dirty_bitmap_frame>(&frame)) {
    on_dirty_bitmap(*f);
  } else if (auto* f = std::get_if<resync_data_frame>(&frame)) {
    on_resync_data(std::move(*f));
  } else if (auto* f = std::get_if<resync_checksum_frame>(&frame)) {
    on_resync_checksum(*f);
  } else if (auto* f = std::get_if<resync_ack_frame>(&frame)) {
    on_resync_ack(*f);
  } else if (auto* f = std::get_if<resync_done_frame>(&frame)) {
    on_resync_done(*f);
  } else if (auto* f = std::get_if<verify_request_frame>(&frame)) {
    on_verify_request(*f);
  } else if (auto* f = std::get_if<verify_reply_frame>(&frame)) {
    on_verify_reply(*f);
  } else if (auto* f = std::get_if<ping_frame>(&frame)) {
    send(pong_frame{f->nonce});
  } else if (std::holds_alternative<pong_frame>(frame)) {
    // Liveness is the engine's (and heartbeat's) business: it saw the bytes arrive.
  } else if (auto* f = std::get_if<role_change_frame>(&frame)) {
    on_role_change(*f);
  } else if (auto* f = std::get_if<goodbye_frame>(&frame)) {
    connection_state next =
        f->reason == replica_errc::split_brain      ? connection_state::refused_split_brain
        : f->reason == replica_errc::unrelated_data ? connection_state::refused_unrelated_data
        : state_.connection == connection_state::handshaking ? connection_state::refused
                                                             : connection_state::connecting;
    emit(close_connection{replica_errc::peer_goodbye});
    lose_peer(next,
              "the peer said goodbye (" + std::string(to_string(f->reason)) + "): " + f->text);
  }
  return take();
}

void replica_core::on_role_change(const role_change_frame& f) {
  peer_role_ = f.role;
  if (peer_hello_) peer_hello_->promoted_at = f.promoted_at;
  if (f.role == replica_role::primary && state_.role == replica_role::primary)
    refuse(connection_state::refused, replica_errc::dual_primary,
           "the peer became primary while we are: both primary, disconnecting");
}

// ----- operator commands -----

command_result replica_core::promote(bool force, uint64_t stamp) {
  command_result r;
  auto refused = [&](replica_errc e, std::string why) {
    out_.clear();
    r.error = e;
    r.why = std::move(why);
    return r;
  };
  if (settings_error_ != replica_errc::none) return refused(settings_error_, "invalid settings");
  if (state_.role == replica_role::primary) return r;
  if (state_.disk == disk_state::failed) return refused(replica_errc::disk_failed, "disk failed");
  bool linked = established() || state_.connection == connection_state::handshaking;
  if (state_.disk != disk_state::up_to_date && !force)
    return refused(replica_errc::disk_inconsistent,
                   std::string("our data is ") + to_string(state_.disk) + "; force to use it");
  if (linked && peer_role_ == replica_role::primary && !force)
    return refused(replica_errc::peer_is_primary, "the peer is primary; demote it or force");
  // Forced over a primary peer, or over our own inconsistent copy, or mid-handshake (the hello
  // we sent said secondary): part first, so the next handshake sees what happened.
  if (linked && (peer_role_ == replica_role::primary || state_.disk != disk_state::up_to_date ||
                 state_.connection == connection_state::handshaking)) {
    send(goodbye_frame{replica_errc::none, "promoted by force"});
    emit(close_connection{replica_errc::none});
    lose_peer(connection_state::connecting, "parted to promote");
  }
  if (ids_.current == 0) ids_.initialise_as_first_source(fresh_generation());
  if (state_.disk != disk_state::up_to_date) {
    ids_.consistent = true;  // DRBD's primary --force: the operator vouches for this copy
    set_disk(disk_state::up_to_date, "forced up to date by promotion");
  }
  ids_.primary = true;
  promoted_at_ = stamp;
  replica_state s = state_;
  s.role = replica_role::primary;
  set_state(s, force ? "promoted (forced)" : "promoted");
  persist_metadata_now();
  if (established()) send(role_change_frame{replica_role::primary, stamp});
  r.actions = take();
  return r;
}

command_result replica_core::demote() {
  command_result r;
  if (state_.role == replica_role::secondary) return r;
  ids_.primary = false;
  replica_state s = state_;
  s.role = replica_role::secondary;
  set_state(s, "demoted");
  persist_metadata_now();
  if (established()) send(role_change_frame{replica_role::secondary, promoted_at_});
  r.actions = take();
  return r;
}

command_result replica_core::connect(bool discard_my_data) {
  command_result r;
  if (settings_error_ != replica_errc::none) {
    r.error = settings_error_;
    r.why = "invalid settings";
    return r;
  }
  if (state_.connection != connection_state::standalone &&
      state_.connection < connection_state::refused_split_brain)
    return r;  // already connecting or connected
  discard_my_data_ = discard_my_data;
  set_connection(connection_state::connecting,
                 discard_my_data ? "connecting, discarding our data on split brain" : "connecting");
  r.actions = take();
  return r;
}

command_result replica_core::disconnect() {
  command_result r;
  if (established() || state_.connection == connection_state::handshaking) {
    send(goodbye_frame{replica_errc::operator_disconnect, "disconnected by the operator"});
    emit(close_connection{replica_errc::operator_disconnect});
  }
  lose_peer(connection_state::standalone, "disconnected by the operator");
  r.actions = take();
  return r;
}

command_result replica_core::initialise_as_first_source() {
  command_result r;
  if (ids_.current != 0) {
    r.error = replica_errc::bad_metadata;
    r.why = "this member already holds a data generation";
    return r;
  }
  ids_.initialise_as_first_source(fresh_generation());
  set_disk(disk_state::up_to_date, "designated the initial sync source");
  persist_metadata_now();
  r.actions = take();
  return r;
}

}  // namespace hamesh::replica
