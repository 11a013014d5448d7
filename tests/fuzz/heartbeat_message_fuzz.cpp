// Any bytes into the heartbeat core: as a datagram (the codec must answer, never crash or
// throw), as a signed body (so the fuzzer reaches the field parser behind the HMAC), and as
// a script of heartbeats and ticks for the monitor. Invariants: decode(encode(m)) == m for
// every message that decodes; re-encoding is stable; the monitor's events agree with its
// state, a peer dies at most once per life, a link fails only while the peer is alive, and
// after a tick nothing is overdue.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "actors/heartbeat/heartbeat_codec.hpp"
#include "actors/heartbeat/heartbeat_intake.hpp"
#include "actors/heartbeat/heartbeat_monitor.hpp"

using namespace hamesh::heartbeat;

namespace {

const std::string key = "fuzzing-key-0123456789abcdef";

void check_round_trip(const heartbeat_codec& codec, const heartbeat_message& m) {
  if (check(m) != heartbeat_errc::none) std::abort();  // decode never yields what encode refuses
  encoded_heartbeat e = codec.encode(m);
  if (e.error != heartbeat_errc::none || e.bytes.size() > heartbeat_codec::max_datagram)
    std::abort();
  decoded_heartbeat again = codec.decode(e.bytes);
  if (!again.message || !(*again.message == m)) std::abort();
  if (codec.encode(*again.message).bytes != e.bytes) std::abort();
}

void decode_any(const heartbeat_codec& codec, const uint8_t* data, size_t size) {
  decoded_heartbeat d = codec.decode(data, size);
  if (d.message.has_value() != (d.error == heartbeat_errc::none)) std::abort();
  if (d.message) check_round_trip(codec, *d.message);
}

// The envelope [1, bin body, bin HMAC(body)] written by hand, so the body is signed.
std::vector<uint8_t> sign(const uint8_t* body, size_t size) {
  std::vector<uint8_t> out = {0x93, 0x01, 0xc5, uint8_t(size >> 8), uint8_t(size)};
  out.insert(out.end(), body, body + size);
  unsigned char tag[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), body, size, tag, &n);
  out.push_back(0xc4);
  out.push_back(uint8_t(n));
  out.insert(out.end(), tag, tag + n);
  return out;
}

// Each 4 bytes: an op (heartbeat first copy / later copy / tick), a link, a sequence step
// and a time step; the generation changes on some ops (a restart).
void run_monitor(const uint8_t* data, size_t size) {
  using namespace std::chrono_literals;
  heartbeat_settings s;
  s.keepalive = 50ms;
  s.warntime = 150ms;
  s.deadtime = 300ms;
  s.initdead = 600ms;
  s.links = {"l0", "l1", "l2"};
  const time_point t0{std::chrono::seconds(1)};
  heartbeat_monitor m(s, t0);
  heartbeat_codec codec(key);
  heartbeat_intake intake(codec, {"self", "peer", "p"}, s.links.size());
  time_point now = t0;
  uint64_t generation = 1, sequence = 0;
  bool dead_since_last_life = false;
  for (size_t i = 0; i + 4 <= size; i += 4) {
    uint8_t op = data[i] % 4;
    size_t link = data[i + 1] % 4;  // 3 is a link that does not exist
    now += std::chrono::milliseconds(data[i + 3] * 2);
    std::vector<monitor_event> events;
    if (op == 3) {
      events = m.on_tick(now);
      std::optional<time_point> next = m.next_deadline();
      if (next && *next <= now) std::abort();
    } else {
      if (op == 2 && data[i + 2] & 0x80) {
        ++generation;
        sequence = 0;
      }
      sequence += data[i + 2] % 4;  // 0 repeats a sequence: a later copy or a replay
      heartbeat_message h;
      h.node = "peer";
      h.pair = "p";
      h.generation = generation;
      h.sequence = sequence;
      h.link = s.links[link % s.links.size()];
      intake_result r = intake.accept(link, codec.encode(h).bytes);
      if (!r.message) continue;
      events = m.on_heartbeat(link, *r.message, r.first_copy, now);
    }
    for (const monitor_event& e : events) {
      if (e.kind == monitor_event_kind::peer_dead) {
        if (dead_since_last_life) std::abort();  // exactly once per death
        dead_since_last_life = true;
      }
      if (e.kind == monitor_event_kind::peer_returned) dead_since_last_life = false;
      if (e.kind == monitor_event_kind::link_failed && m.peer() != peer_state::alive) std::abort();
    }
    if ((m.peer() == peer_state::dead) != dead_since_last_life) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const heartbeat_codec codec(key);
  // The first byte picks how the rest is read.
  const uint8_t* rest = data + 1;
  size_t n = size - 1;
  switch (data[0] % 3) {
    case 0:
      decode_any(codec, rest, n);
      break;
    case 1:
      if (n <= heartbeat_codec::max_datagram) {
        std::vector<uint8_t> signed_body = sign(rest, n);
        decode_any(codec, signed_body.data(), signed_body.size());
      }
      break;
    case 2:
      run_monitor(rest, n);
      break;
  }
  return 0;
}
