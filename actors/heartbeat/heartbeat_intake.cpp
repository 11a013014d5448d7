#include "actors/heartbeat/heartbeat_intake.hpp"

namespace hamesh::heartbeat {

static_assert(static_cast<size_t>(heartbeat_errc::stale_outcome) < 16,
              "heartbeat_intake::counts_ needs a slot per heartbeat_errc");

heartbeat_intake::heartbeat_intake(heartbeat_codec codec, intake_identity id, size_t links,
                                   uint64_t replay_window)
    : codec_(std::move(codec)), id_(std::move(id)), guard_(links, replay_window) {}

intake_result heartbeat_intake::drop(heartbeat_errc reason) {
  size_t i = static_cast<size_t>(reason);
  if (i < counts_.size()) ++counts_[i];
  return intake_result{std::nullopt, false, reason};
}

uint64_t heartbeat_intake::count(heartbeat_errc reason) const {
  if (reason == heartbeat_errc::none) return first_copies_ + guard_.later_copies();
  size_t i = static_cast<size_t>(reason);
  return i < counts_.size() ? counts_[i] : 0;
}

uint64_t heartbeat_intake::suspicious() const {
  return count(heartbeat_errc::unsigned_message) + count(heartbeat_errc::bad_signature) +
         count(heartbeat_errc::replay);
}

intake_result heartbeat_intake::accept(size_t link, const uint8_t* data, size_t size) {
  if (link >= guard_.links()) return drop(heartbeat_errc::unknown_link);
  decoded_heartbeat d = codec_.decode(data, size);
  if (!d.message) return drop(d.error);
  const heartbeat_message& m = *d.message;
  // Only signed messages get this far, so these are mix-ups of configuration (a key shared
  // by two pairs, our own multicast looped back), not forgeries.
  if (m.pair != id_.pair) return drop(heartbeat_errc::wrong_pair);
  if (m.node == id_.self) return drop(heartbeat_errc::own_message);
  if (m.node != id_.peer) return drop(heartbeat_errc::unknown_peer);
  replay_verdict v = guard_.check(link, m.generation, m.sequence);
  if (v == replay_verdict::replay) return drop(heartbeat_errc::replay);
  if (v == replay_verdict::first_copy) ++first_copies_;
  return intake_result{std::move(d.message), v == replay_verdict::first_copy, heartbeat_errc::none};
}

}  // namespace hamesh::heartbeat
