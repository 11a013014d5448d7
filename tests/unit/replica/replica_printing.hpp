#pragma once
// Boost.Test prints values it compares: the replication core's enums print as their names.
#include <ostream>

#include "actors/replica/replica_errc.hpp"
#include "actors/replica/replica_state.hpp"
#include "actors/replica/sync_decision.hpp"

namespace hamesh::replica {

inline std::ostream& operator<<(std::ostream& os, replica_errc e) {
  return os << to_string(e);
}
inline std::ostream& operator<<(std::ostream& os, connection_state c) {
  return os << to_string(c);
}
inline std::ostream& operator<<(std::ostream& os, disk_state d) {
  return os << to_string(d);
}
inline std::ostream& operator<<(std::ostream& os, replica_role r) {
  return os << to_string(r);
}
inline std::ostream& operator<<(std::ostream& os, sync_decision d) {
  return os << to_string(d);
}

}  // namespace hamesh::replica
