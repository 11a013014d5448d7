#include "actors/replica/replica_errc.hpp"

namespace hamesh::replica {

const char* to_string(replica_errc e) {
  switch (e) {
    case replica_errc::none:
      return "none";
    case replica_errc::not_primary:
      return "not_primary";
    case replica_errc::peer_is_primary:
      return "peer_is_primary";
    case replica_errc::disk_inconsistent:
      return "disk_inconsistent";
    case replica_errc::out_of_range:
      return "out_of_range";
    case replica_errc::write_too_large:
      return "write_too_large";
    case replica_errc::not_connected:
      return "not_connected";
    case replica_errc::busy:
      return "busy";
    case replica_errc::invalid_setting:
      return "invalid_setting";
    case replica_errc::disk_failed:
      return "disk_failed";
    case replica_errc::disk_write_failed:
      return "disk_write_failed";
    case replica_errc::disk_read_failed:
      return "disk_read_failed";
    case replica_errc::disk_flush_failed:
      return "disk_flush_failed";
    case replica_errc::peer_disk_failed:
      return "peer_disk_failed";
    case replica_errc::split_brain:
      return "split_brain";
    case replica_errc::unrelated_data:
      return "unrelated_data";
    case replica_errc::no_initial_sync_source:
      return "no_initial_sync_source";
    case replica_errc::dual_primary:
      return "dual_primary";
    case replica_errc::target_is_primary:
      return "target_is_primary";
    case replica_errc::same_node_name:
      return "same_node_name";
    case replica_errc::bitmap_untrusted:
      return "bitmap_untrusted";
    case replica_errc::bad_metadata:
      return "bad_metadata";
    case replica_errc::geometry_mismatch:
      return "geometry_mismatch";
    case replica_errc::bad_magic:
      return "bad_magic";
    case replica_errc::frame_too_large:
      return "frame_too_large";
    case replica_errc::unknown_frame_type:
      return "unknown_frame_type";
    case replica_errc::truncated_field:
      return "truncated_field";
    case replica_errc::bad_field_value:
      return "bad_field_value";
    case replica_errc::version_mismatch:
      return "version_mismatch";
    case replica_errc::volume_mismatch:
      return "volume_mismatch";
    case replica_errc::unexpected_frame:
      return "unexpected_frame";
    case replica_errc::bad_sequence:
      return "bad_sequence";
    case replica_errc::peer_goodbye:
      return "peer_goodbye";
    case replica_errc::operator_disconnect:
      return "operator_disconnect";
  }
  return "unknown";
}

}  // namespace hamesh::replica
