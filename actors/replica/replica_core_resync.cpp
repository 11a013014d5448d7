// replica_core: the resync (source and target) and online verify.
#include "actors/replica/replica_core.hpp"

#include <algorithm>

#include "actors/replica/replica_frame_codec.hpp"

namespace hamesh::replica {

namespace {
// A region that writes keep changing is retried this often, then reported as skipped.
constexpr unsigned max_verify_retries = 8;
}  // namespace

void replica_core::count_resync_frame(const replica_frame& f) {
  resync_.stats.wire_bytes_sent += encode_frame(f).size();
}

// ----- the source -----

void replica_core::start_sync_source(bool full, const std::string& reason) {
  resync_ = resync_run{};
  resync_.active = true;
  resync_.source = true;
  resync_.stats.as_source = true;
  resync_.stats.full = full;
  resync_.checksums = full && settings_.checksum_full_sync;
  resync_.stats.checksums = resync_.checksums;
  if (full) {
    // DRBD sets every bit for a full sync, so an interrupted one resumes from the bitmap.
    bitmap_.mark_all();
    bitmap_trusted_ = true;
    persist_bitmap_now();
  } else {
    resync_.awaiting_peer_bitmap = true;  // the target's changes are rolled back too
  }
  establish(connection_state::sync_source,
            (full ? "full resync to the peer: " : "resync to the peer: ") + reason);
  if (!resync_.awaiting_peer_bitmap) {
    resync_.stats.regions_total = bitmap_.count();
    for (auto r = bitmap_.next_dirty(0); r; r = bitmap_.next_dirty(*r + 1))
      resync_.stats.dirty_bytes_total += bitmap_.region_length(*r);
    resync_pump();
  }
}

void replica_core::on_dirty_bitmap(const dirty_bitmap_frame& f) {
  if (!resync_.active || !resync_.source || !resync_.awaiting_peer_bitmap)
    return protocol_error(replica_errc::unexpected_frame, "a bitmap outside a resync start");
  if (bitmap_.merge_bits(f.first_region, f.region_count, f.bits) != replica_errc::none)
    return protocol_error(replica_errc::bad_field_value, "a bitmap slice past the volume");
  if (!f.final) return;
  resync_.awaiting_peer_bitmap = false;
  persist_bitmap_now();
  resync_.stats.regions_total = bitmap_.count();
  for (auto r = bitmap_.next_dirty(0); r; r = bitmap_.next_dirty(*r + 1))
    resync_.stats.dirty_bytes_total += bitmap_.region_length(*r);
  resync_pump();
}

void replica_core::resync_pump() {
  if (!resync_.active || !resync_.source || resync_.awaiting_peer_bitmap) return;
  while (resync_.in_flight.size() < settings_.resync_window) {
    std::optional<uint64_t> r = bitmap_.next_dirty(resync_.cursor);
    while (r && resync_.in_flight.count(*r)) r = bitmap_.next_dirty(*r + 1);
    if (!r && resync_.cursor > 0) {
      // Bits set behind the cursor (a failed peer write): go round again.
      resync_.cursor = 0;
      continue;
    }
    if (!r) break;
    resync_.cursor = *r + 1;
    start_resync_region(*r, resync_.checksums);
  }
  if (resync_.in_flight.empty() && bitmap_.empty()) finish_sync_source();
}

void replica_core::start_resync_region(uint64_t region, bool checksum) {
  resync_region& rr = resync_.in_flight[region];
  rr = resync_region{};
  rr.checksum = checksum;
  io_job job;
  job.what = io_job::purpose::resync_read;
  job.ref = region;
  uint64_t offset = bitmap_.region_offset(region), length = bitmap_.region_length(region);
  job.start = local_read{0, offset, length};
  submit_io(std::move(job), io_order::kind::read, offset, length);
}

void replica_core::on_resync_read(uint64_t region, bool ok, std::string data) {
  auto it = resync_.in_flight.find(region);
  if (it == resync_.in_flight.end()) return;
  resync_region& rr = it->second;
  if (!ok) {
    set_disk(disk_state::failed, "a resync read failed");
    return protocol_error(replica_errc::disk_read_failed, "cannot read our copy to resync");
  }
  if (rr.invalidated) {
    bool checksum = rr.checksum;
    resync_.in_flight.erase(it);
    return start_resync_region(region, checksum);
  }
  if (rr.checksum) {
    resync_checksum_frame f{region, checksum_of(data)};
    rr.data = std::move(data);
    rr.at = resync_region::phase::awaiting_target;
    count_resync_frame(f);
    send(f);
  } else {
    rr.at = resync_region::phase::sending;
    resync_.stats.data_bytes_sent += data.size();
    resync_data_frame f{region, std::move(data)};
    count_resync_frame(f);
    send(std::move(f));
  }
}

void replica_core::on_resync_ack(const resync_ack_frame& f) {
  auto it = resync_.in_flight.find(f.region);
  if (!resync_.active || !resync_.source || it == resync_.in_flight.end())
    return protocol_error(replica_errc::unexpected_frame, "a resync ack for no region in flight");
  resync_region& rr = it->second;
  switch (f.what) {
    case resync_ack_frame::kind::need_data:
      if (rr.at != resync_region::phase::awaiting_target)
        return protocol_error(replica_errc::unexpected_frame, "need_data without a checksum");
      if (rr.invalidated) {
        // Our copy changed since the checksum: read it again and send it whole.
        resync_.in_flight.erase(it);
        start_resync_region(f.region, false);
        return;
      }
      rr.at = resync_region::phase::sending;
      resync_.stats.data_bytes_sent += rr.data.size();
      {
        resync_data_frame d{f.region, std::move(rr.data)};
        count_resync_frame(d);
        send(std::move(d));
      }
      return;
    case resync_ack_frame::kind::in_sync:
      // Equal before any later write; the writes themselves replicate after the checksum.
      ++resync_.stats.regions_in_sync;
      break;
    case resync_ack_frame::kind::written:
      if (f.status != replica_errc::none)
        return protocol_error(replica_errc::peer_disk_failed, "the peer could not write a region");
      break;
  }
  ++resync_.stats.regions_done;
  bitmap_.clear_region(f.region);
  resync_.in_flight.erase(it);
  resync_pump();
}

void replica_core::finish_sync_source() {
  ids_.finish_resync_as_source();
  activity_.clear();
  persist_metadata_now();
  persist_bitmap_now();
  resync_done_frame done{ids_};
  count_resync_frame(done);
  send(done);
  resync_.active = false;
  set_connection(connection_state::connected, "resync finished: the peer is up to date");
  emit(resync_finished{resync_.stats});
}

// ----- the target -----

void replica_core::start_sync_target(bool full, const std::string& reason) {
  resync_ = resync_run{};
  resync_.active = true;
  resync_.stats.full = full;
  resync_.stats.checksums = full && settings_.checksum_full_sync;
  // Inconsistent from the first resync write until resync_done: never promote it meanwhile.
  ids_.consistent = false;
  persist_metadata_now();
  set_state({state_.role, connection_state::sync_target, disk_state::inconsistent},
            (full ? "full resync from the peer: " : "resync from the peer: ") + reason);
  discard_my_data_ = false;
  if (!full) send_bitmap();
}

void replica_core::send_bitmap() {
  uint64_t regions = bitmap_.regions();
  uint64_t first = 0;
  do {
    uint64_t n = std::min<uint64_t>(max_bitmap_frame_regions, regions - first);
    send(dirty_bitmap_frame{first, n, first + n == regions, bitmap_.bits(first, n)});
    first += n;
  } while (first < regions);
}

void replica_core::on_resync_checksum(const resync_checksum_frame& f) {
  if (state_.connection != connection_state::sync_target || f.region >= bitmap_.regions())
    return protocol_error(replica_errc::unexpected_frame, "a resync checksum outside a resync");
  io_job job;
  job.what = io_job::purpose::resync_compare;
  job.ref = f.region;
  job.sum = f.sum;
  uint64_t offset = bitmap_.region_offset(f.region), length = bitmap_.region_length(f.region);
  job.start = local_read{0, offset, length};
  submit_io(std::move(job), io_order::kind::read, offset, length);
}

void replica_core::on_resync_compare(uint64_t region, const region_checksum& theirs, bool ok,
                                     const std::string& data) {
  bool same = ok && checksum_of(data) == theirs;
  if (same) {
    bitmap_.clear_region(region);
    ++resync_.stats.regions_in_sync;
    ++resync_.stats.regions_done;
  }
  send(resync_ack_frame{region,
                        same ? resync_ack_frame::kind::in_sync : resync_ack_frame::kind::need_data,
                        replica_errc::none});
}

void replica_core::on_resync_data(resync_data_frame f) {
  if (state_.connection != connection_state::sync_target || f.region >= bitmap_.regions())
    return protocol_error(replica_errc::unexpected_frame, "resync data outside a resync");
  uint64_t offset = bitmap_.region_offset(f.region), length = bitmap_.region_length(f.region);
  if (f.data.size() != length)
    return protocol_error(replica_errc::bad_field_value, "resync data of the wrong length");
  ++resync_.stats.regions_done;
  io_job job;
  job.what = io_job::purpose::resync_write;
  job.ref = f.region;
  job.start = local_write{0, offset, length, false, std::nullopt, std::move(f.data)};
  submit_io(std::move(job), io_order::kind::write, offset, length);
}

void replica_core::on_resync_done(const resync_done_frame& f) {
  if (state_.connection != connection_state::sync_target)
    return protocol_error(replica_errc::unexpected_frame, "resync_done outside a resync");
  // Every region is written (the source heard each ack); flush them before claiming to be
  // up to date, since the metadata says so durably.
  target_done_ids_ = f.source_ids;
  io_job job;
  job.what = io_job::purpose::resync_flush;
  job.start = local_flush{};
  submit_io(std::move(job), io_order::kind::flush, 0, settings_.volume_size);
}

// ----- online verify -----

command_result replica_core::start_verify() {
  command_result r;
  if (state_.connection != connection_state::connected) {
    r.error = state_.connection == connection_state::sync_source ||
                      state_.connection == connection_state::sync_target
                  ? replica_errc::busy
                  : replica_errc::not_connected;
    r.why = std::string("verify needs a connected, in-sync peer; we are ") +
            to_string(state_.connection);
    return r;
  }
  if (verify_.active) {
    r.error = replica_errc::busy;
    r.why = "a verify is running";
    return r;
  }
  verify_ = verify_run{};
  verify_.active = true;
  verify_pump();
  r.actions = take();
  return r;
}

void replica_core::verify_pump() {
  while (verify_.active && verify_.in_flight.size() < settings_.verify_window &&
         verify_.cursor < bitmap_.regions())
    start_verify_region(verify_.cursor++);
  if (verify_.active && verify_.in_flight.empty() && verify_.cursor >= bitmap_.regions()) {
    verify_.active = false;
    emit(verify_finished{verify_.totals});
  }
}

void replica_core::start_verify_region(uint64_t region) {
  verify_region& v = verify_.in_flight[region];
  unsigned retries = v.retries;
  v = verify_region{};
  v.retries = retries;
  // The request travels behind every write already sent, and our read is queued behind every
  // write already issued: both copies are read at the same point of the write stream.
  send(verify_request_frame{region});
  io_job job;
  job.what = io_job::purpose::verify_read;
  job.ref = region;
  uint64_t offset = bitmap_.region_offset(region), length = bitmap_.region_length(region);
  job.start = local_read{0, offset, length};
  submit_io(std::move(job), io_order::kind::read, offset, length);
}

void replica_core::verify_region_done(uint64_t region) {
  auto it = verify_.in_flight.find(region);
  if (it == verify_.in_flight.end() || !it->second.have_local || !it->second.have_peer) return;
  verify_region& v = it->second;
  if (v.invalidated && v.retries < max_verify_retries) {
    ++v.retries;
    start_verify_region(region);
    return;
  }
  if (v.invalidated || v.error != replica_errc::none) {
    ++verify_.totals.regions_skipped;
  } else {
    ++verify_.totals.regions_checked;
    if (v.local != v.peer) {
      ++verify_.totals.mismatches;
      emit(verify_mismatch{region, bitmap_.region_offset(region), bitmap_.region_length(region)});
    }
  }
  verify_.in_flight.erase(it);
  verify_pump();
}

void replica_core::on_verify_request(const verify_request_frame& f) {
  if (f.region >= bitmap_.regions())
    return protocol_error(replica_errc::out_of_range, "a verify request past the end");
  io_job job;
  job.what = io_job::purpose::verify_answer;
  job.ref = f.region;
  uint64_t offset = bitmap_.region_offset(f.region), length = bitmap_.region_length(f.region);
  job.start = local_read{0, offset, length};
  submit_io(std::move(job), io_order::kind::read, offset, length);
}

void replica_core::on_verify_reply(const verify_reply_frame& f) {
  auto it = verify_.in_flight.find(f.region);
  if (!verify_.active || it == verify_.in_flight.end() || it->second.have_peer)
    return protocol_error(replica_errc::unexpected_frame, "a verify reply nobody asked for");
  it->second.have_peer = true;
  it->second.peer = f.sum;
  if (f.status != replica_errc::none) it->second.error = f.status;
  verify_region_done(f.region);
}

}  // namespace hamesh::replica
