// Any bytes as an NBD client's stream into nbd_server_session: never a crash, never a stall (a
// session that neither takes bytes nor answers is closed or waits for a completion), every
// request it hands out within the export and the limits (no write on a read-only export),
// nothing written once closed; and the same events whether the transcript comes whole, cut in
// two at an input-chosen point, or byte by byte.
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <string>
#include <string_view>

#include "actors/replica/nbd_protocol.hpp"
#include "actors/replica/nbd_server_session.hpp"

using namespace hamesh::replica;

namespace {

struct options {
  bool read_only = false;
  bool small_limits = false;
  bool shutting_down = false;
  bool handshake_first = false;  // the stream starts after a canonical NBD_OPT_GO
  unsigned failures = 0;         // which completions fail
  size_t keep = 1;               // completions held back before the oldest is completed
};

nbd_export_info export_for(const options& o) {
  nbd_export_info i;
  i.name = "disk";
  i.description = "fuzzed";
  i.device.size = 1u << 16;
  i.device.read_only = o.read_only;
  i.device.flush_covers_all_writers = true;
  return i;
}

nbd_session_limits limits_for(const options& o) {
  nbd_session_limits l;
  if (o.small_limits) {
    l.max_payload = 64;
    l.max_option_data = 32;
    l.max_options = 4;
    l.max_inflight = 2;
  } else {
    l.max_payload = 1u << 14;
    l.max_inflight = 8;
  }
  return l;
}

std::string canonical_go() {
  std::string s;
  nbd::put_u32(s, 3);
  nbd::put_u64(s, nbd::option_magic);
  nbd::put_u32(s, nbd::opt_go);
  nbd::put_u32(s, 10);
  nbd::put_u32(s, 4);
  s += "disk";
  nbd::put_u16(s, 0);
  return s;
}

struct harness {
  const options& o;
  nbd_export_info info;
  nbd_session_limits limits;
  std::string out, trace;
  nbd_server_session session;
  std::deque<block_request> pending;
  explicit harness(const options& opts)
      : o(opts), info(export_for(opts)), limits(limits_for(opts)), session(info, limits, out) {
    if (o.shutting_down) session.begin_shutdown();
  }

  void complete_oldest() {
    block_request r = std::move(pending.front());
    pending.pop_front();
    block_status s = block_status::ok;
    if (o.failures && (r.id * 2654435761u >> 5) % 8 < o.failures) s = block_status(1 + r.id % 5);
    std::string data = s == block_status::ok && r.op == block_op::read ? std::string(r.length, 'r')
                                                                       : std::string();
    size_t before = out.size();
    bool was_closed = session.closed();
    session.on_completion(r.id, s, data, out);
    if (was_closed && out.size() != before) std::abort();
    trace += "|done " + std::to_string(r.id) + "|" + out;
    out.clear();
  }

  void check_request(const block_request& r) {
    if (r.op == block_op::flush) {
      if (r.offset != 0 || r.length != 0) std::abort();
    } else if (r.offset > info.device.size || r.length > info.device.size - r.offset ||
               r.length == 0) {
      std::abort();
    }
    bool writes =
        r.op == block_op::write || r.op == block_op::trim || r.op == block_op::write_zeroes;
    if (writes && (o.read_only || o.shutting_down)) std::abort();
    if ((r.op == block_op::read || r.op == block_op::write) && r.length > limits.max_payload)
      std::abort();
    if (r.op == block_op::write ? r.data.size() != r.length : !r.data.empty()) std::abort();
    if (session.inflight() > limits.max_inflight) std::abort();
  }

  std::string run(std::string_view bytes, size_t first, size_t piece) {
    std::string buffer;
    size_t at = 0, size = first;
    trace += out;  // the greeting
    out.clear();
    while (at < bytes.size()) {
      size_t n = size < bytes.size() - at ? size : bytes.size() - at;
      buffer.append(bytes.data() + at, n);
      at += n;
      size = piece;
      // Each round takes bytes, answers or completes something; more is a stall.
      for (size_t round = 0;; ++round) {
        if (round > 4 * bytes.size() + 64) std::abort();
        std::string_view in = buffer;
        bool was_closed = session.closed();
        auto request = session.on_client_data(in, out);
        size_t taken = buffer.size() - in.size();
        buffer.erase(0, taken);
        if (was_closed && (taken || !out.empty() || request)) std::abort();
        trace += out;
        bool wrote = !out.empty();
        out.clear();
        if (request) {
          check_request(*request);
          trace += "|req " + std::to_string(request->id) + " " + std::to_string(int(request->op)) +
                   " " + std::to_string(request->offset) + "+" + std::to_string(request->length) +
                   (request->fua ? " fua" : "") + (request->may_punch_hole ? "" : " no_hole") + "|";
          pending.push_back(std::move(*request));
          if (pending.size() > o.keep) complete_oldest();
          continue;
        }
        if (taken || wrote) continue;
        if (buffer.empty() || session.closed()) break;
        // Bytes left and nothing done: only a session waiting for a completion may do that.
        if (!session.blocked() || pending.empty()) std::abort();
        complete_oldest();
      }
      if (session.closed()) break;
    }
    while (!pending.empty()) complete_oldest();
    session.on_client_closed();
    if (!session.closed()) std::abort();
    trace += "|end " + std::to_string(int(session.close_reason()));
    for (uint64_t e : session.tally().errors) trace += " " + std::to_string(e);
    for (uint64_t r : session.tally().requests) trace += " " + std::to_string(r);
    return trace;
  }
};

std::string run(const options& o, std::string_view bytes, size_t first, size_t piece) {
  harness h(o);
  return h.run(bytes, first, piece);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // The first byte picks the options, the second where to cut; the rest is the stream.
  options o;
  o.read_only = data[0] & 1;
  o.small_limits = data[0] & 2;
  o.shutting_down = data[0] & 4;
  o.handshake_first = data[0] & 8;
  o.failures = (data[0] >> 4) & 3;
  o.keep = 1 + (data[0] >> 6);
  size_t cut = data[1];
  std::string stream = o.handshake_first ? canonical_go() : std::string();
  stream.append(reinterpret_cast<const char*>(data + 2), size - 2);
  std::string whole = run(o, stream, stream.size() + 1, 1);
  std::string two_pieces = run(o, stream, cut, stream.size() + 1);
  std::string bytewise = run(o, stream, 1, 1);
  if (whole != two_pieces || whole != bytewise) std::abort();
  return 0;
}
