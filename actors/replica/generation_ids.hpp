#pragma once
// DRBD's data generation identifiers (DRBD User's Guide, "Generation identifiers"): a tuple
// of 64-bit ids naming which generation of the data a member holds, plus the metadata flags
// the handshake needs. Two members that hold the same current id hold the same data; the
// bitmap id names the generation from which the dirty bitmap counts changes; the two history
// ids remember older generations so that members parted for long still find a common one.
// The events below are the only ways the tuple changes; decide_sync reads two tuples.
#include <array>
#include <cstdint>

namespace hamesh::replica {

struct generation_ids {
  uint64_t current = 0;  // 0: never initialised (a new member)
  uint64_t bitmap = 0;   // 0: the bitmap tracks nothing (connected and in sync)
  std::array<uint64_t, 2> history{};
  // Flags kept with the tuple in the metadata.
  bool primary = false;     // primary when last persisted: still set after a crash
  bool consistent = false;  // the data is a whole generation (false: new, or a resync target)
  // Set at start-up when the stored tuple still said primary: the member died as primary and
  // writes it had in flight may be missing on the peer (DRBD's "crashed primary" flag).
  bool crashed_primary = false;

  bool operator==(const generation_ids& o) const;
  bool operator!=(const generation_ids& o) const { return !(*this == o); }

  // True if `id` (nonzero) is the current, bitmap or a history id.
  bool knows(uint64_t id) const;

  // A new data generation (DRBD: a primary that loses its peer, or a member promoted while
  // disconnected). The old current id becomes the bitmap id, so the bitmap counts changes
  // since the generation the peer still holds; if the bitmap already tracks an older parting
  // it keeps that id (the bitmap still holds every change since then) and the old current
  // goes to history. `fresh` is nonzero and unknown to the tuple.
  void start_new_generation(uint64_t fresh);

  // A finished resync as its source: the parting generation moves into history, the bitmap
  // tracks nothing again and a crash as primary is forgiven (the peer has all of it now).
  void finish_resync_as_source();

  // A finished resync as its target: take the source's tuple (after its own rotation), keeping
  // the local flags but now consistent. The target's old generations are gone with its data.
  void finish_resync_as_target(const generation_ids& source_after);

  // First initialisation of a new pair: the member the operator designates as the initial
  // sync source takes a first generation; the connect then does a full sync to the other.
  void initialise_as_first_source(uint64_t fresh);

  // Metadata and hello flags as bits (bit 0 primary, 1 consistent, 2 crashed_primary).
  uint32_t flag_bits() const;
  // False if unknown bits are set.
  bool set_flag_bits(uint32_t bits);

 private:
  void push_history(uint64_t id);
};

}  // namespace hamesh::replica
