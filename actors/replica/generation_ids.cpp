#include "actors/replica/generation_ids.hpp"

namespace hamesh::replica {

bool generation_ids::operator==(const generation_ids& o) const {
  return current == o.current && bitmap == o.bitmap && history == o.history &&
         primary == o.primary && consistent == o.consistent && crashed_primary == o.crashed_primary;
}

bool generation_ids::knows(uint64_t id) const {
  return id != 0 && (id == current || id == bitmap || id == history[0] || id == history[1]);
}

void generation_ids::push_history(uint64_t id) {
  if (id == 0 || id == history[0]) return;
  history[1] = history[0];
  history[0] = id;
}

void generation_ids::start_new_generation(uint64_t fresh) {
  if (bitmap == 0)
    bitmap = current;
  else
    push_history(current);
  current = fresh;
}

void generation_ids::finish_resync_as_source() {
  push_history(bitmap);
  bitmap = 0;
  // The peer now holds every region this member had in flight when it crashed.
  crashed_primary = false;
}

void generation_ids::finish_resync_as_target(const generation_ids& source_after) {
  current = source_after.current;
  bitmap = 0;
  history = source_after.history;
  consistent = true;
  // The data now is the source's: whatever this member had in flight when it crashed is gone.
  crashed_primary = false;
}

void generation_ids::initialise_as_first_source(uint64_t fresh) {
  current = fresh;
  bitmap = 0;
  history = {};
  consistent = true;
}

uint32_t generation_ids::flag_bits() const {
  return (primary ? 1u : 0u) | (consistent ? 2u : 0u) | (crashed_primary ? 4u : 0u);
}

bool generation_ids::set_flag_bits(uint32_t bits) {
  if (bits & ~7u) return false;
  primary = bits & 1;
  consistent = bits & 2;
  crashed_primary = bits & 4;
  return true;
}

}  // namespace hamesh::replica
