#include "actors/replica/replica_state.hpp"

namespace hamesh::replica {

const char* to_string(replica_role r) {
  return r == replica_role::primary ? "primary" : "secondary";
}

const char* to_string(connection_state c) {
  switch (c) {
    case connection_state::standalone:
      return "standalone";
    case connection_state::connecting:
      return "connecting";
    case connection_state::handshaking:
      return "handshaking";
    case connection_state::connected:
      return "connected";
    case connection_state::sync_source:
      return "sync_source";
    case connection_state::sync_target:
      return "sync_target";
    case connection_state::refused_split_brain:
      return "refused_split_brain";
    case connection_state::refused_unrelated_data:
      return "refused_unrelated_data";
    case connection_state::refused:
      return "refused";
  }
  return "unknown";
}

const char* to_string(disk_state d) {
  switch (d) {
    case disk_state::up_to_date:
      return "up_to_date";
    case disk_state::inconsistent:
      return "inconsistent";
    case disk_state::outdated:
      return "outdated";
    case disk_state::failed:
      return "failed";
  }
  return "unknown";
}

const char* to_string(replication_protocol p) {
  switch (p) {
    case replication_protocol::a:
      return "A";
    case replication_protocol::b:
      return "B";
    case replication_protocol::c:
      return "C";
  }
  return "unknown";
}

std::string to_string(const replica_state& s) {
  return std::string(to_string(s.role)) + "/" + to_string(s.connection) + "/" + to_string(s.disk);
}

}  // namespace hamesh::replica
