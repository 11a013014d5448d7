#pragma once
// Drives an nbd_server_session the way the engine does: input in pieces of a given size (0:
// all at once), each request completed at once on an in-memory store (or left pending), the
// transcript after the greeting collected.
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "actors/replica/nbd_server_session.hpp"
#include "tests/unit/replica/nbd_test_messages.hpp"

namespace hamesh::replica {
// For BOOST_TEST's messages (found by argument-dependent lookup).
inline std::ostream& operator<<(std::ostream& os, nbd_errc e) {
  return os << to_string(e);
}
}  // namespace hamesh::replica

namespace nbd_test {

using namespace hamesh::replica;

inline nbd_export_info test_export(bool read_only = false) {
  nbd_export_info i;
  i.name = "disk";
  i.description = "test disk";
  i.device.size = 1u << 20;
  i.device.read_only = read_only;
  i.device.flush_covers_all_writers = true;
  return i;
}

// HAS_FLAGS | SEND_FLUSH | SEND_FUA | SEND_TRIM | SEND_WRITE_ZEROES | CAN_MULTI_CONN.
constexpr uint16_t writable_flags = 0x016d;
// HAS_FLAGS | READ_ONLY | SEND_FLUSH | SEND_FUA | CAN_MULTI_CONN.
constexpr uint16_t read_only_flags = 0x010f;

inline std::string go_replies(uint16_t flags = writable_flags, uint32_t code = nbd::opt_go,
                              uint32_t max_payload = 32u << 20) {
  return option_reply(code, nbd::rep_info, info_export(1u << 20, flags)) +
         option_reply(code, nbd::rep_info, info_block_size(max_payload)) +
         option_reply(code, nbd::rep_ack);
}

inline std::string go_request(std::string_view name = "disk", uint32_t client = 3) {
  return client_flags(client) + option(nbd::opt_go, go_data(name));
}

struct driver_options {
  size_t piece = 0;
  bool complete = true;  // complete each request as soon as it comes out
  nbd_session_limits limits;
  // The status each request completes with (ok unless said otherwise).
  std::function<block_status(const block_request&)> status;
  bool close_at_end = false;
};

struct session_run {
  std::string out;  // after the greeting
  std::vector<block_request> requests;
  nbd_server_session::phase phase = nbd_server_session::phase::client_flags;
  nbd_errc reason = nbd_errc::none;
  nbd_session_tally tally;
  size_t unconsumed = 0;
};

inline session_run drive(nbd_server_session& s, std::string& out, std::string_view input,
                         const driver_options& o, memory_store& store) {
  session_run run;
  std::string buffer;
  size_t at = 0;
  do {
    size_t n = o.piece == 0 ? input.size() - at : std::min(o.piece, input.size() - at);
    buffer.append(input.data() + at, n);
    at += n;
    for (;;) {
      std::string_view view = buffer;
      size_t before = out.size();
      auto request = s.on_client_data(view, out);
      size_t taken = buffer.size() - view.size();
      buffer.erase(0, taken);
      if (request) {
        run.requests.push_back(*request);
        if (o.complete) {
          block_completion done = store.run(*request);
          block_status st = o.status ? o.status(*request) : block_status::ok;
          if (st != block_status::ok) done.data.clear();
          s.on_completion(request->id, st, done.data, out);
        }
        continue;
      }
      if (taken == 0 && out.size() == before) break;
    }
  } while (at < input.size());
  if (o.close_at_end) s.on_client_closed();
  run.out = out;
  run.phase = s.state();
  run.reason = s.close_reason();
  run.tally = s.tally();
  run.unconsumed = buffer.size();
  return run;
}

inline session_run drive(const nbd_export_info& info, std::string_view input,
                         const driver_options& o = {}) {
  std::string out;
  nbd_server_session s(info, o.limits, out);
  out.clear();  // the greeting has its own test
  memory_store store(size_t(info.device.size));
  return drive(s, out, input, o, store);
}

}  // namespace nbd_test
