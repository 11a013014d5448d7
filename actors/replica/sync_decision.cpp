#include "actors/replica/sync_decision.hpp"

namespace hamesh::replica {

const char* to_string(sync_decision d) {
  switch (d) {
    case sync_decision::in_sync:
      return "in_sync";
    case sync_decision::become_sync_source:
      return "become_sync_source";
    case sync_decision::become_sync_target:
      return "become_sync_target";
    case sync_decision::full_sync_as_source:
      return "full_sync_as_source";
    case sync_decision::full_sync_as_target:
      return "full_sync_as_target";
    case sync_decision::split_brain:
      return "split_brain";
    case sync_decision::unrelated_data:
      return "unrelated_data";
    case sync_decision::no_initial_sync_source:
      return "no_initial_sync_source";
  }
  return "unknown";
}

namespace {

sync_verdict verdict(sync_decision d, int rule, const char* why, bool bitmap_usable = false) {
  return {d, rule, why, bitmap_usable};
}

// A bitmap-based decision needs both bitmaps (the source merges the target's into its own).
sync_verdict bitmap_based(bool as_source, int rule, const char* why, const sync_inputs& in) {
  bool trusted = in.local_bitmap_trusted && in.peer_bitmap_trusted;
  if (as_source)
    return verdict(trusted ? sync_decision::become_sync_source : sync_decision::full_sync_as_source,
                   rule, why);
  return verdict(trusted ? sync_decision::become_sync_target : sync_decision::full_sync_as_target,
                 rule, why);
}

bool share_any(const generation_ids& a, const generation_ids& b) {
  return b.knows(a.current) || b.knows(a.bitmap) || b.knows(a.history[0]) || b.knows(a.history[1]);
}

}  // namespace

sync_verdict decide_sync(const generation_ids& l, const generation_ids& p, const sync_inputs& in) {
  // Rules 1-3 (DRBD: "current UUIDs empty on both / one node"): a new member receives all.
  if (l.current == 0 && p.current == 0)
    return verdict(sync_decision::no_initial_sync_source, 1, "both members are new");
  if (l.current == 0) return verdict(sync_decision::full_sync_as_target, 2, "we are new");
  if (p.current == 0) return verdict(sync_decision::full_sync_as_source, 3, "the peer is new");

  if (l.current == p.current) {
    // Rule 4: the same generation. A member that died as primary may hold writes the other
    // never got; DRBD resyncs from the crashed primary (its bitmap holds the regions it had
    // in flight), and a crashed survivor of a tie is decided by name.
    if (l.consistent != p.consistent) {
      // The same id but one copy is not whole: it never finished a resync. Copy all of it.
      return verdict(
          l.consistent ? sync_decision::full_sync_as_source : sync_decision::full_sync_as_target, 4,
          "same generation, one copy inconsistent");
    }
    if (l.crashed_primary && p.crashed_primary)
      return bitmap_based(in.local_wins_ties, 5, "same generation, both crashed as primary", in);
    if (l.crashed_primary)
      return bitmap_based(true, 6, "same generation, we crashed as primary", in);
    if (p.crashed_primary)
      return bitmap_based(false, 7, "same generation, the peer crashed as primary", in);
    return verdict(sync_decision::in_sync, 8, "same generation");
  }

  // Rules 9-10 (DRBD: "bitmap UUID matches peer's current UUID"): one member moved on from
  // the generation the other still holds, and its bitmap counts every change since.
  if (l.bitmap != 0 && l.bitmap == p.current)
    return bitmap_based(true, 9, "our bitmap counts from the peer's generation", in);
  if (p.bitmap != 0 && p.bitmap == l.current)
    return bitmap_based(false, 10, "the peer's bitmap counts from our generation", in);

  // Rule 11 (DRBD: "bitmap UUIDs match, current UUIDs do not"): both moved on from the same
  // parting point. Split brain, but both bitmaps say what changed, so a policy can recover.
  if (l.bitmap != 0 && l.bitmap == p.bitmap)
    return verdict(sync_decision::split_brain, 11, "both changed since the same parting", true);

  // Rules 12-13 (DRBD: "current UUID matches one of the peer's history UUIDs"): one member is
  // generations behind; the other's bitmap no longer counts from that far back.
  if (p.history[0] == l.current || p.history[1] == l.current)
    return verdict(sync_decision::full_sync_as_target, 12, "the peer is generations ahead");
  if (l.history[0] == p.current || l.history[1] == p.current)
    return verdict(sync_decision::full_sync_as_source, 13, "we are generations ahead");

  // Rule 14: a common ancestor, but both moved on and no bitmap counts from it. DRBD refuses
  // automatic recovery here: neither bitmap covers the other's changes.
  if (share_any(l, p))
    return verdict(sync_decision::split_brain, 14, "both changed since an older common generation",
                   false);
  return verdict(sync_decision::unrelated_data, 15, "no generation in common");
}

}  // namespace hamesh::replica
