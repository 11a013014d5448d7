// replica_core: client writes and flushes, their replication, and local I/O.
#include "actors/replica/replica_core.hpp"

#include <type_traits>

#include "actors/replica/replica_frame_codec.hpp"

namespace hamesh::replica {

// ----- local I/O through io_order -----

uint64_t replica_core::submit_io(io_job job, io_order::kind k, uint64_t offset, uint64_t length,
                                 bool barrier) {
  uint64_t io = next_io_++;
  job.link = link_;
  std::visit(
      [io](auto& a) {
        if constexpr (std::is_same_v<std::decay_t<decltype(a)>, local_write> ||
                      std::is_same_v<std::decay_t<decltype(a)>, local_flush> ||
                      std::is_same_v<std::decay_t<decltype(a)>, local_read>)
          a.io = io;
      },
      job.start);
  io_.emplace(io, std::move(job));
  start_ios(order_.submit(io, k, offset, length, barrier));
  return io;
}

void replica_core::start_ios(const std::vector<uint64_t>& tokens) {
  for (uint64_t t : tokens) {
    auto it = io_.find(t);
    if (it != io_.end()) emit(std::move(it->second.start));
  }
}

void replica_core::finish_io(uint64_t io) {
  io_.erase(io);
  start_ios(order_.complete(io));
}

// ----- client writes -----

replica_actions replica_core::client_write(uint64_t id, uint64_t offset, uint64_t length,
                                           bool fua) {
  auto refuse_write = [&](replica_errc e) {
    emit(ack_client_write{id, e});
    return take();
  };
  if (settings_error_ != replica_errc::none) return refuse_write(settings_error_);
  if (state_.role != replica_role::primary) return refuse_write(replica_errc::not_primary);
  if (state_.disk == disk_state::failed) return refuse_write(replica_errc::disk_failed);
  if (length == 0 || offset > settings_.volume_size || length > settings_.volume_size - offset)
    return refuse_write(replica_errc::out_of_range);
  if (length > max_write_bytes) return refuse_write(replica_errc::write_too_large);

  ++write_serial_;
  client_write_state& w = writes_[id];
  w = client_write_state{};
  w.offset = offset;
  w.length = length;
  w.fua = fua;
  invalidate_regions(offset, length);
  if (established()) {
    // Persist the activity first: if this member dies with the write half done, its stored
    // bitmap names the region and the resync repairs it.
    touch_activity(offset, length);
    w.replicated = true;
    w.sequence = next_sequence_++;
    by_sequence_[w.sequence] = id;
    uint8_t flags = fua ? write_frame::fua : 0;
    if (settings_.protocol == replication_protocol::b) flags |= write_frame::ack_received;
    emit(send_client_write{id, w.sequence, offset, length, flags});
    for (uint64_t r = bitmap_.region_of(offset); r <= bitmap_.region_of(offset + length - 1); ++r)
      unflushed_.insert(r);
  } else {
    mark_changed(offset, length);
  }
  io_job job;
  job.what = io_job::purpose::client_write;
  job.ref = id;
  job.start = local_write{0, offset, length, fua, id, {}};
  submit_io(std::move(job), io_order::kind::write, offset, length);
  maybe_barrier();
  return take();
}

void replica_core::try_ack(uint64_t id) {
  auto it = writes_.find(id);
  if (it == writes_.end()) return;
  client_write_state& w = it->second;
  if (!w.acked) {
    bool ready = false;
    if (w.local_done && w.local_error != replica_errc::none) {
      ready = true;
    } else if (w.local_done) {
      switch (settings_.protocol) {
        case replication_protocol::a:
          ready = true;  // handed to the stream when it was issued
          break;
        case replication_protocol::b:
          ready = !w.replicated || w.peer_received || w.peer_durable;
          break;
        case replication_protocol::c:
          ready = !w.replicated || w.peer_durable;
          break;
      }
    }
    if (ready) {
      emit(ack_client_write{id, w.local_error});
      w.acked = true;
    }
  }
  if (w.acked && !w.replicated) writes_.erase(it);
}

void replica_core::on_write_ack(const write_ack_frame& f) {
  auto s = by_sequence_.find(f.sequence);
  if (s == by_sequence_.end())
    return protocol_error(replica_errc::unexpected_frame,
                          "an ack for unknown write " + std::to_string(f.sequence));
  uint64_t id = s->second;
  client_write_state& w = writes_[id];
  if (f.what == write_ack_frame::kind::received) {
    w.peer_received = true;
  } else {
    w.peer_durable = true;
    w.replicated = false;
    by_sequence_.erase(s);
    // The peer could not write it: the region differs until the next resync. The client
    // still gets "done", from this member's copy (DRBD detaches the failing disk).
    if (f.status != replica_errc::none) mark_changed(w.offset, w.length);
  }
  try_ack(id);
  maybe_barrier();
}

// ----- client flushes and barriers -----

replica_actions replica_core::client_flush(uint64_t id) {
  if (state_.role != replica_role::primary) {
    emit(ack_client_flush{id, replica_errc::not_primary});
    return take();
  }
  uint64_t key = next_flush_++;
  flush_state& f = flushes_[key];
  f.client = true;
  f.client_id = id;
  f.serial_at_start = write_serial_;
  if (established()) {
    f.waiting_peer = true;
    seal_epoch(key);
    send(flush_frame{key});
  }
  io_job job;
  job.what = io_job::purpose::client_flush;
  job.ref = key;
  job.start = local_flush{};
  submit_io(std::move(job), io_order::kind::flush, 0, settings_.volume_size);
  return take();
}

void replica_core::seal_epoch(uint64_t key) {
  if (!unflushed_.empty()) sealed_[key] = std::move(unflushed_);
  unflushed_.clear();
}

void replica_core::maybe_barrier() {
  // DRBD closes an epoch with a barrier; here when the peer is idle (nothing awaiting its
  // ack) or too much is unflushed, so that a dead peer costs little resync.
  if (!established() || state_.role != replica_role::primary || unflushed_.empty()) return;
  for (const auto& [key, f] : flushes_)
    if (f.waiting_peer) return;
  if (!by_sequence_.empty() && unflushed_.size() < settings_.unflushed_region_limit) return;
  uint64_t key = next_flush_++;
  flush_state& f = flushes_[key];
  f.local_done = true;  // the peer's flush only
  f.waiting_peer = true;
  f.serial_at_start = write_serial_;
  seal_epoch(key);
  send(flush_frame{key});
}

void replica_core::on_flush_ack(const flush_ack_frame& f) {
  auto it = flushes_.find(f.flush_id);
  if (it == flushes_.end() || !it->second.waiting_peer)
    return protocol_error(replica_errc::unexpected_frame,
                          "an ack for unknown flush " + std::to_string(f.flush_id));
  // The peer flushes in order: everything sealed up to this flush is on its disk now.
  for (auto s = sealed_.begin(); s != sealed_.end() && s->first <= f.flush_id;) {
    if (f.status != replica_errc::none)
      for (uint64_t r : s->second) mark_changed(bitmap_.region_offset(r), 1);
    s = sealed_.erase(s);
  }
  it->second.waiting_peer = false;
  try_finish_flush(f.flush_id);
  maybe_barrier();
}

void replica_core::try_finish_flush(uint64_t key) {
  auto it = flushes_.find(key);
  if (it == flushes_.end()) return;
  flush_state& f = it->second;
  if (!f.local_done || f.waiting_peer) return;
  if (f.client) emit(ack_client_flush{f.client_id, f.local_error});
  if (f.local_error == replica_errc::none) trim_activity(f.serial_at_start);
  flushes_.erase(it);
}

// ----- the activity log -----

void replica_core::touch_activity(uint64_t offset, uint64_t length) {
  bool added = false;
  uint64_t extent = settings_.activity_extent_size;
  for (uint64_t e = offset / extent; e <= (offset + length - 1) / extent; ++e) {
    auto [it, fresh] = activity_.emplace(e, write_serial_);
    it->second = write_serial_;
    added |= fresh;
  }
  if (added) persist_bitmap_now();
}

void replica_core::trim_activity(uint64_t serial) {
  // A flush that completed on both members covers every write issued before it: those
  // extents are the same on both disks and leave the activity log (only when it is large,
  // since trimming costs a bitmap write).
  if (activity_.size() <= settings_.activity_extent_limit) return;
  bool trimmed = false;
  for (auto it = activity_.begin(); it != activity_.end();)
    if (it->second <= serial) {
      it = activity_.erase(it);
      trimmed = true;
    } else {
      ++it;
    }
  if (trimmed) persist_bitmap_now();
}

void replica_core::invalidate_regions(uint64_t offset, uint64_t length) {
  // A resync or verify that read a region before this write would compare or send stale
  // bytes: it reads the region again.
  for (uint64_t r = bitmap_.region_of(offset); r <= bitmap_.region_of(offset + length - 1); ++r) {
    auto rs = resync_.in_flight.find(r);
    if (rs != resync_.in_flight.end() && rs->second.at != resync_region::phase::sending)
      rs->second.invalidated = true;
    auto vs = verify_.in_flight.find(r);
    if (vs != verify_.in_flight.end()) vs->second.invalidated = true;
  }
}

// ----- the secondary's side of replication -----

void replica_core::on_peer_write(write_frame f) {
  if (state_.role == replica_role::primary)
    return protocol_error(replica_errc::dual_primary, "a replicated write reached a primary");
  if (f.sequence != expected_sequence_)
    return protocol_error(replica_errc::bad_sequence,
                          "write " + std::to_string(f.sequence) + " where " +
                              std::to_string(expected_sequence_) + " was due");
  if (f.offset > settings_.volume_size || f.data.size() > settings_.volume_size - f.offset)
    return protocol_error(replica_errc::out_of_range, "a replicated write past the end");
  ++expected_sequence_;
  if (f.flags & write_frame::ack_received)
    send(write_ack_frame{f.sequence, write_ack_frame::kind::received, replica_errc::none});
  invalidate_regions(f.offset, f.data.size());
  bool preflush = f.flags & write_frame::preflush;
  if (preflush) {
    io_job flush;
    flush.what = io_job::purpose::peer_preflush;
    flush.start = local_flush{};
    submit_io(std::move(flush), io_order::kind::flush, 0, settings_.volume_size);
  }
  uint64_t offset = f.offset, length = f.data.size();
  io_job job;
  job.what = io_job::purpose::peer_write;
  job.ref = f.sequence;
  job.start = local_write{
      0, offset, length, bool(f.flags & write_frame::fua), std::nullopt, std::move(f.data)};
  submit_io(std::move(job), io_order::kind::write, offset, length, preflush);
}

void replica_core::on_peer_flush(const flush_frame& f) {
  if (state_.role == replica_role::primary)
    return protocol_error(replica_errc::dual_primary, "a replicated flush reached a primary");
  io_job job;
  job.what = io_job::purpose::peer_flush;
  job.ref = f.flush_id;
  job.start = local_flush{};
  submit_io(std::move(job), io_order::kind::flush, 0, settings_.volume_size);
}

// ----- completions -----

replica_actions replica_core::local_write_done(uint64_t io, bool ok) {
  auto it = io_.find(io);
  if (it == io_.end()) return {};
  io_job job = std::move(it->second);
  bool live = job.link == link_ && established();
  if (!ok && state_.disk != disk_state::failed)
    set_disk(disk_state::failed, "a local write failed");
  switch (job.what) {
    case io_job::purpose::client_write: {
      auto w = writes_.find(job.ref);
      if (w != writes_.end()) {
        w->second.local_done = true;
        if (!ok) w->second.local_error = replica_errc::disk_write_failed;
      }
      finish_io(io);
      try_ack(job.ref);
      break;
    }
    case io_job::purpose::peer_write:
      finish_io(io);
      if (live)
        send(write_ack_frame{job.ref, write_ack_frame::kind::durable,
                             ok ? replica_errc::none : replica_errc::disk_write_failed});
      break;
    case io_job::purpose::resync_write:
      finish_io(io);
      if (ok) bitmap_.clear_region(job.ref);
      if (live)
        send(resync_ack_frame{job.ref, resync_ack_frame::kind::written,
                              ok ? replica_errc::none : replica_errc::disk_write_failed});
      break;
    default:
      finish_io(io);
      break;
  }
  return take();
}

replica_actions replica_core::local_flush_done(uint64_t io, bool ok) {
  auto it = io_.find(io);
  if (it == io_.end()) return {};
  io_job job = std::move(it->second);
  bool live = job.link == link_ && established();
  finish_io(io);
  switch (job.what) {
    case io_job::purpose::client_flush: {
      auto f = flushes_.find(job.ref);
      if (f != flushes_.end()) {
        f->second.local_done = true;
        if (!ok) f->second.local_error = replica_errc::disk_flush_failed;
        try_finish_flush(job.ref);
      }
      break;
    }
    case io_job::purpose::peer_flush:
      if (live)
        send(flush_ack_frame{job.ref, ok ? replica_errc::none : replica_errc::disk_flush_failed});
      break;
    case io_job::purpose::resync_flush:
      if (live && target_done_ids_ && ok) {
        ids_.finish_resync_as_target(*target_done_ids_);
        target_done_ids_.reset();
        bitmap_.clear_all();
        bitmap_trusted_ = true;
        persist_metadata_now();
        persist_bitmap_now();
        set_state({state_.role, connection_state::connected, disk_state::up_to_date},
                  "resync finished: up to date");
        resync_.active = false;
        emit(resync_finished{resync_.stats});
      }
      break;
    default:
      break;
  }
  if (!ok && state_.disk != disk_state::failed)
    set_disk(disk_state::failed, "a local flush failed");
  return take();
}

replica_actions replica_core::local_read_done(uint64_t io, bool ok, std::string data) {
  auto it = io_.find(io);
  if (it == io_.end()) return {};
  io_job job = std::move(it->second);
  bool live = job.link == link_ && established();
  finish_io(io);
  if (!live) return take();
  switch (job.what) {
    case io_job::purpose::resync_read:
      on_resync_read(job.ref, ok, std::move(data));
      break;
    case io_job::purpose::resync_compare:
      on_resync_compare(job.ref, job.sum, ok, data);
      break;
    case io_job::purpose::verify_read: {
      auto v = verify_.in_flight.find(job.ref);
      if (v == verify_.in_flight.end()) break;
      v->second.have_local = true;
      if (ok)
        v->second.local = checksum_of(data);
      else
        v->second.error = replica_errc::disk_read_failed;
      verify_region_done(job.ref);
      break;
    }
    case io_job::purpose::verify_answer:
      send(verify_reply_frame{job.ref, ok ? replica_errc::none : replica_errc::disk_read_failed,
                              ok ? checksum_of(data) : region_checksum{}});
      break;
    default:
      break;
  }
  return take();
}

}  // namespace hamesh::replica
