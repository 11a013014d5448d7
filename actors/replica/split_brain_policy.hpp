#pragma once
// Automatic split-brain recovery (DRBD's after-sb-0pri policies, drbd.conf(5)): once both
// members are known to have written since they parted, which one's changes are discarded.
// The victim becomes the sync target and receives every region dirty on EITHER side, since
// its own changes must be rolled back too (DRBD merges both bitmaps).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hamesh::replica {

struct split_brain_policy {
  enum class kind {
    disconnect,               // no automatic recovery: refuse and report (DRBD's default)
    discard_younger_primary,  // the member promoted last loses; a tie falls to least changes
    discard_least_changes,    // the member with fewer dirty regions loses; a tie refuses
    discard_node,             // the named member always loses
  };
  kind how = kind::disconnect;
  std::string node;  // discard_node: the member whose changes are discarded

  // "disconnect", "discard-younger-primary", "discard-least-changes", "discard-node NAME"
  // (DRBD's spellings). nullopt for anything else: never a silent default.
  static std::optional<split_brain_policy> parse(std::string_view text);
};
std::string to_string(const split_brain_policy& p);

// What each member tells the other in its hello and the policy reads.
struct split_brain_member {
  std::string node_name;
  uint64_t promoted_at = 0;    // the stamp of its last promotion (0: never promoted)
  uint64_t dirty_regions = 0;  // regions changed since the parting
  bool is_primary = false;     // primary right now
};

struct split_brain_resolution {
  enum class outcome { refuse, local_is_victim, peer_is_victim };
  outcome result = outcome::refuse;
  std::string why;  // for the log: the rule that chose, or why none did
};

// Symmetric: the two members, each passing itself as `local`, reach opposite victims or both
// refuse. A victim that is primary right now refuses (DRBD's after-sb-1pri "disconnect"): its
// data is in use, and rolling it back under a client is not for a policy to do.
split_brain_resolution resolve_split_brain(const split_brain_policy& policy,
                                           const split_brain_member& local,
                                           const split_brain_member& peer);

}  // namespace hamesh::replica
