#pragma once
// Datagrams in, trusted heartbeats out (pure): the codec (size, envelope, HMAC, fields), then
// who sent it (pair, not ourselves, our peer), then the replay guard. Every drop is counted
// by reason for `hameshctl heartbeat` and /metrics; the actor logs at most a rate-limited
// line per reason. One intake per pair, so one peer.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/heartbeat/heartbeat_codec.hpp"
#include "actors/heartbeat/heartbeat_errc.hpp"
#include "actors/heartbeat/heartbeat_message.hpp"
#include "actors/heartbeat/replay_guard.hpp"

namespace hamesh::heartbeat {

struct intake_identity {
  std::string self;  // our node name: our own heartbeats looped back are dropped
  std::string peer;  // the one node we accept heartbeats from
  std::string pair;
};

struct intake_result {
  std::optional<heartbeat_message> message;  // set when accepted: give it to the monitor
  bool first_copy = false;                   // the replay guard's verdict (see replay_guard)
  heartbeat_errc error = heartbeat_errc::none;
};

class heartbeat_intake {
 public:
  heartbeat_intake(heartbeat_codec codec, intake_identity id, size_t links,
                   uint64_t replay_window = replay_guard::default_window);

  // One datagram (or one mesh message's bytes) received on `link`.
  intake_result accept(size_t link, const uint8_t* data, size_t size);
  intake_result accept(size_t link, const std::vector<uint8_t>& bytes) {
    return accept(link, bytes.data(), bytes.size());
  }

  // Packets dropped for `reason` (none: packets accepted, first and later copies).
  uint64_t count(heartbeat_errc reason) const;
  uint64_t first_copies() const { return first_copies_; }
  uint64_t later_copies() const { return guard_.later_copies(); }
  // Drops that may be an attack (a bad or missing tag, a replay) rather than a mix-up.
  uint64_t suspicious() const;
  const replay_guard& guard() const { return guard_; }
  const intake_identity& identity() const { return id_; }

 private:
  intake_result drop(heartbeat_errc reason);

  heartbeat_codec codec_;
  intake_identity id_;
  replay_guard guard_;
  uint64_t first_copies_ = 0;
  std::array<uint64_t, 16> counts_{};  // by heartbeat_errc value
};

}  // namespace hamesh::heartbeat
