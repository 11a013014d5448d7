#pragma once
// What two members do when they connect, from their generation ids alone (DRBD User's Guide,
// "How DRBD uses generation identifiers"). Each member computes it from its own side; the
// rules are antisymmetric, so the two always agree (one says source, the other target).
#include <cstdint>
#include <string>

#include "actors/replica/generation_ids.hpp"

namespace hamesh::replica {

enum class sync_decision {
  in_sync,                 // the same generation on both: nothing to copy
  become_sync_source,      // the peer lacks our changes since parting: send the dirty regions
  become_sync_target,      // we lack the peer's changes since parting: receive them
  full_sync_as_source,     // the peer's copy cannot be patched from a bitmap: send everything
  full_sync_as_target,     // ours cannot: receive everything
  split_brain,             // both changed since they parted: a policy or an operator decides
  unrelated_data,          // no generation in common: refuse, never overwrite a stranger
  no_initial_sync_source,  // both members are new: an operator designates the first source
};
const char* to_string(sync_decision d);

struct sync_inputs {
  // A bitmap that failed its checks on load cannot drive a resync: the bitmap-based decisions
  // become full (checksum-based) ones.
  bool local_bitmap_trusted = true;
  bool peer_bitmap_trusted = true;
  // Who is source when the rule cannot tell (both crashed as primary on the same generation):
  // the caller compares node names, so the two members get opposite answers.
  bool local_wins_ties = false;
};

struct sync_verdict {
  sync_decision decision = sync_decision::unrelated_data;
  int rule = 0;                // which rule matched, for the log (numbers in decide_sync)
  const char* why = "";        // the rule in words
  bool bitmap_usable = false;  // split_brain only: both bitmaps count from the parting point
};

sync_verdict decide_sync(const generation_ids& local, const generation_ids& peer,
                         const sync_inputs& in = {});

}  // namespace hamesh::replica
