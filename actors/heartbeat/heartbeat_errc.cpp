#include "actors/heartbeat/heartbeat_errc.hpp"

namespace hamesh::heartbeat {

const char* to_string(heartbeat_errc e) {
  switch (e) {
    case heartbeat_errc::none:
      return "none";
    case heartbeat_errc::oversized:
      return "oversized";
    case heartbeat_errc::malformed:
      return "malformed";
    case heartbeat_errc::version_mismatch:
      return "version_mismatch";
    case heartbeat_errc::unsigned_message:
      return "unsigned";
    case heartbeat_errc::bad_signature:
      return "bad_signature";
    case heartbeat_errc::invalid_message:
      return "invalid_message";
    case heartbeat_errc::wrong_pair:
      return "wrong_pair";
    case heartbeat_errc::own_message:
      return "own_message";
    case heartbeat_errc::unknown_peer:
      return "unknown_peer";
    case heartbeat_errc::unknown_link:
      return "unknown_link";
    case heartbeat_errc::replay:
      return "replay";
    case heartbeat_errc::invalid_settings:
      return "invalid_settings";
    case heartbeat_errc::plan_busy:
      return "plan_busy";
    case heartbeat_errc::stale_outcome:
      return "stale_outcome";
  }
  return "unknown";
}

}  // namespace hamesh::heartbeat
