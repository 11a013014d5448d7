#pragma once
// Why the heartbeat core dropped a packet or refused a setting or a request. One enum for the
// domain (STYLE.md §14); each value says which rule it comes from. The words are for counters
// (`hameshctl heartbeat`, /metrics) and logs.
#include <string>

namespace hamesh::heartbeat {

enum class heartbeat_errc {
  none,  // no error: a packet accepted, a setting valid
  // The wire (heartbeat_codec): checked before anything else is believed.
  oversized,         // a datagram longer than heartbeat_codec::max_datagram: refused unread
  malformed,         // not a heartbeat: bad msgpack, wrong types, a missing field, trailing bytes
  version_mismatch,  // a heartbeat of another format version: a peer running another release
  unsigned_message,  // no HMAC tag at all: never trusted, whatever it says
  bad_signature,     // the HMAC-SHA256 tag does not match: another key or a forged packet
  invalid_message,   // encode refused a message with an empty or overlong name, or a bad role
  // Who sent it (heartbeat_intake), checked after the signature.
  wrong_pair,    // signed with our key but for another pair (a key shared across pairs)
  own_message,   // our own heartbeat came back (multicast loopback, a mirrored port): not the peer
  unknown_peer,  // signed, our pair, but from a node that is neither us nor our peer
  unknown_link,  // the shell named a link index the settings do not have
  replay,        // an old (generation, sequence): a replayed capture, counted as an attack
  // Settings and requests.
  invalid_settings,  // timing, links, key or resource list that cannot work (validate says why)
  plan_busy,         // a takeover, release or check asked for while another run is in progress
  stale_outcome,     // a step outcome whose ticket is not the pending request's: ignored
};

// "bad_signature", "replay", ...: for logs and counters.
const char* to_string(heartbeat_errc e);

}  // namespace hamesh::heartbeat
