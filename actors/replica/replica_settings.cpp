#include "actors/replica/replica_settings.hpp"

namespace hamesh::replica {

namespace {
bool valid_name(const std::string& s) {
  if (s.empty() || s.size() > 255) return false;
  for (char c : s)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}
}  // namespace

replica_errc replica_settings::validate(std::string* why) const {
  auto bad = [&](const char* text) {
    if (why) *why = text;
    return replica_errc::invalid_setting;
  };
  if (!valid_name(node_name)) return bad("node_name: 1..255 printable characters, no spaces");
  if (!valid_name(volume_name)) return bad("volume_name: 1..255 printable characters, no spaces");
  if (block_size < 512 || (block_size & (block_size - 1)) != 0)
    return bad("block_size: a power of two of at least 512");
  if (volume_size == 0 || volume_size % block_size != 0)
    return bad("volume_size: a nonzero multiple of block_size");
  if (!dirty_bitmap::valid_geometry(volume_size, region_size) || region_size < block_size)
    return bad("region_size: a power of two from 4 KiB to 4 MiB, at least block_size");
  if (resync_window == 0 || verify_window == 0) return bad("resync and verify windows: at least 1");
  if (unflushed_region_limit == 0 || activity_extent_limit == 0)
    return bad("unflushed and activity limits: at least 1");
  if (activity_extent_size < region_size || (activity_extent_size & (activity_extent_size - 1)))
    return bad("activity_extent_size: a power of two, at least region_size");
  if (after_split_brain.how == split_brain_policy::kind::discard_node &&
      after_split_brain.node.empty())
    return bad("discard-node: a node name");
  return replica_errc::none;
}

}  // namespace hamesh::replica
