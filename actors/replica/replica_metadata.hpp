#pragma once
// What a member keeps on disk besides its data and its dirty bitmap: the generation ids with
// their flags and the stamp of its last promotion (for discard-younger-primary). Written on
// every persist_metadata action; the encoding carries a SHA-256, so a torn write is detected
// and the member refuses to start rather than guess its generation.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "actors/replica/generation_ids.hpp"

namespace hamesh::replica {

struct replica_metadata {
  generation_ids ids;
  uint64_t promoted_at = 0;  // 0: never promoted

  bool operator==(const replica_metadata& o) const {
    return ids == o.ids && promoted_at == o.promoted_at;
  }

  std::string encode() const;
};

struct metadata_load {
  std::optional<replica_metadata> metadata;
  std::string bad_because;  // empty when loaded
};
metadata_load decode_replica_metadata(std::string_view bytes);

}  // namespace hamesh::replica
