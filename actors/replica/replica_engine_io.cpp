// replica_engine: client requests from the NBD export, the core's actions, the local disk.
#include <algorithm>
#include <variant>

#include "actors/replica/replica_engine_impl.hpp"
#include "actors/replica/replica_frame_codec.hpp"

namespace hamesh::replica {
namespace {

// A client write larger than this becomes several core writes: each is one frame to the peer
// and one local write, and a 32 MiB NBD write does not hold up the stream for its whole length.
constexpr uint64_t max_chunk = 1 << 20;

block_status status_for(replica_errc e) {
  switch (e) {
    case replica_errc::none:
      return block_status::ok;
    case replica_errc::not_primary:
      return block_status::read_only;
    case replica_errc::out_of_range:
    case replica_errc::write_too_large:
      return block_status::invalid;
    default:
      return block_status::io_error;
  }
}

// The local disk completes synchronously (file_block_device): this catches its answer.
struct captured_completion final : block_completion_sink {
  block_completion done;
  void on_block_completion(block_completion c) override { done = std::move(c); }
};

}  // namespace

void replica_engine::impl::on_submission(submission s) {
  auto& r = s.request;
  switch (r.op) {
    case block_op::read: {
      ++counters_.client_reads;
      block_completion c;
      c.id = r.id;
      // DRBD: a secondary cannot be opened. Reads are served only by an up-to-date primary.
      if (core_->state().role != replica_role::primary || !core_->can_serve_reads()) {
        c.status = block_status::io_error;
      } else {
        captured_completion local;
        disk_->submit(r, local);
        c.status = local.done.status;
        c.data = std::move(local.done.data);
        counters_.bytes_read += c.data.size();
      }
      s.sink->on_block_completion(std::move(c));
      return;
    }
    case block_op::trim:
      // A hint (proto.md: the contents afterwards are unspecified): both copies keep their
      // bytes, so they stay identical without a word to the peer.
      s.sink->on_block_completion({r.id, block_status::ok, {}});
      return;
    case block_op::flush: {
      ++counters_.client_flushes;
      uint64_t key = next_request_++;
      requests_[key] = {s.sink, r.id, 1, block_status::ok};
      uint64_t part = next_part_++;
      parts_[part] = {key, {}};
      carry_out(core_->client_flush(part));
      return;
    }
    case block_op::write:
    case block_op::write_zeroes: {
      ++counters_.client_writes;
      uint64_t key = next_request_++;
      size_t parts = size_t((r.length + max_chunk - 1) / max_chunk);
      if (parts == 0) {
        s.sink->on_block_completion({r.id, block_status::ok, {}});
        return;
      }
      requests_[key] = {s.sink, r.id, parts, block_status::ok};
      // Zeroes are written as data: the peer must end with the same bytes, and a hole on one
      // side and zeroes on the other read the same.
      for (uint64_t at = 0; at < r.length; at += max_chunk) {
        uint64_t n = std::min<uint64_t>(max_chunk, r.length - at);
        uint64_t part = next_part_++;
        auto& p = parts_[part];
        p.request = key;
        if (r.op == block_op::write)
          p.data = parts == 1 ? std::move(r.data) : r.data.substr(at, n);
        else
          p.data.assign(n, '\0');
        counters_.bytes_written += n;
        carry_out(core_->client_write(part, r.offset + at, n, r.fua));
      }
      return;
    }
  }
}

void replica_engine::impl::complete_part(uint64_t part, replica_errc result) {
  auto p = parts_.find(part);
  if (p == parts_.end()) return;
  auto rq = requests_.find(p->second.request);
  parts_.erase(p);
  if (rq == requests_.end()) return;
  auto& r = rq->second;
  if (result != replica_errc::none) {
    ++counters_.write_errors;
    if (r.status == block_status::ok) r.status = status_for(result);
  }
  if (--r.parts_left > 0) return;
  r.sink->on_block_completion({r.id, r.status, {}});
  requests_.erase(rq);
}

void replica_engine::impl::fail_everything(block_status why) {
  for (auto& [key, r] : requests_) r.sink->on_block_completion({r.id, why, {}});
  requests_.clear();
  parts_.clear();
}

void replica_engine::impl::carry_out(replica_actions actions) {
  for (auto& a : actions) carry_out(a);
}

void replica_engine::impl::carry_out(replica_action& a) {
  if (std::holds_alternative<local_write>(a) || std::holds_alternative<local_flush>(a) ||
      std::holds_alternative<local_read>(a)) {
    // After this batch's frames are on the socket: the peer's disk starts while ours works.
    disk_queue_.push_back(std::move(a));
    return;
  }
  std::visit(
      [this](auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, send_frame>) {
          if (peer_fd_ < 0 || peer_connecting_) return;
          encode_frame(x.frame, peer_out_);
          ++counters_.frames_out;
        } else if constexpr (std::is_same_v<T, send_client_write>) {
          if (peer_fd_ < 0 || peer_connecting_) return;
          auto p = parts_.find(x.client_write);
          if (p == parts_.end()) return;
          append_write_frame_prefix(peer_out_, x.sequence, x.offset, x.flags, size_t(x.length));
          peer_out_.append(p->second.data, 0, size_t(x.length));
          ++counters_.frames_out;
        } else if constexpr (std::is_same_v<T, ack_client_write>) {
          complete_part(x.client_write, x.result);
        } else if constexpr (std::is_same_v<T, ack_client_flush>) {
          complete_part(x.client_flush, x.result);
        } else if constexpr (std::is_same_v<T, persist_metadata>) {
          if (auto e = store_->save_metadata(x.metadata); !e.empty())
            log(2, "cannot save the metadata: " + e);
        } else if constexpr (std::is_same_v<T, persist_bitmap>) {
          // Durable before any later local write is issued: this runs now, those are queued.
          if (auto e = store_->save_bitmap(x.encoded); !e.empty())
            log(2, "cannot save the dirty bitmap: " + e);
        } else if constexpr (std::is_same_v<T, state_changed>) {
          on_state_changed(x);
        } else if constexpr (std::is_same_v<T, verify_mismatch>) {
          if (counters_.verify_mismatches.size() < 64)
            counters_.verify_mismatches.push_back(x.region);
          log(1, "verify: region " + std::to_string(x.region) + " (bytes " +
                     std::to_string(x.offset) + ".." + std::to_string(x.offset + x.length) +
                     ") differs between the members");
        } else if constexpr (std::is_same_v<T, verify_finished>) {
          counters_.verify = x;
          log(x.mismatches ? 1 : 0, "verify finished: " + std::to_string(x.regions_checked) +
                                        " region(s) checked, " + std::to_string(x.mismatches) +
                                        " mismatch(es), " + std::to_string(x.regions_skipped) +
                                        " skipped");
        } else if constexpr (std::is_same_v<T, resync_finished>) {
          auto& st = x.stats;
          log(0, std::string("resync finished as ") + (st.as_source ? "source" : "target") +
                     (st.full ? ", full" : ", bitmap") + (st.checksums ? " with checksums" : "") +
                     ": " + std::to_string(st.regions_done) + " region(s), " +
                     std::to_string(st.regions_in_sync) + " found equal, " +
                     std::to_string(st.data_bytes_sent) + " data bytes sent of " +
                     std::to_string(st.dirty_bytes_total) + " dirty");
        } else if constexpr (std::is_same_v<T, close_connection>) {
          flush_peer();
          if (peer_fd_ >= 0) {
            ++counters_.disconnects;
            log(1, std::string("closing the stream to the peer: ") + to_string(x.reason));
          }
          close_peer_socket();
        }
      },
      a);
}

void replica_engine::impl::on_state_changed(const state_changed& c) {
  ++counters_.state_changes;
  counters_.last_change = c.reason;
  log(c.to.connection == connection_state::connected || c.to.role != c.from.role ? 0 : 1,
      to_string(c.from) + " -> " + to_string(c.to) + " (" + c.reason + ")");
  if (c.to.role != c.from.role && export_) {
    // set_read_only waits for the export's thread, which never waits for us: no deadlock.
    export_->set_read_only(c.to.role != replica_role::primary);
  }
}

void replica_engine::impl::drain() {
  if (draining_) return;  // a completion inside do_disk() queues more; the loop below runs it
  draining_ = true;
  flush_peer();
  while (!disk_queue_.empty()) {
    auto a = std::move(disk_queue_.front());
    disk_queue_.pop_front();
    do_disk(a);
    flush_peer();
  }
  draining_ = false;
}

void replica_engine::impl::do_disk(replica_action& a) {
  captured_completion done;
  if (auto* w = std::get_if<local_write>(&a)) {
    std::string_view data = w->data;
    if (w->client_write) {
      // The bytes stay with the part until its ack (they may still have to go to the peer):
      // written from there, not copied.
      auto p = parts_.find(*w->client_write);
      data = p != parts_.end() ? std::string_view(p->second.data).substr(0, size_t(w->length))
                               : std::string_view();
    }
    // Bytes missing (a part gone) fail the write, as a request of the wrong length would.
    block_status status =
        data.size() != w->length ? block_status::invalid : disk_->write_at(data, w->offset, w->fua);
    carry_out(core_->local_write_done(w->io, status == block_status::ok));
  } else if (auto* f = std::get_if<local_flush>(&a)) {
    block_request r;
    r.op = block_op::flush;
    disk_->submit(std::move(r), done);
    carry_out(core_->local_flush_done(f->io, done.done.status == block_status::ok));
  } else if (auto* rd = std::get_if<local_read>(&a)) {
    block_request r;
    r.op = block_op::read;
    r.offset = rd->offset;
    r.length = uint32_t(rd->length);
    disk_->submit(std::move(r), done);
    carry_out(core_->local_read_done(rd->io, done.done.status == block_status::ok,
                                     std::move(done.done.data)));
  }
}

}  // namespace hamesh::replica
