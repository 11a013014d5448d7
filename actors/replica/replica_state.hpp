#pragma once
// The state of one member of a replicated volume, in DRBD's three dimensions: its role, its
// connection to the peer, and its disk. The engine logs and shows every change
// (state_changed actions carry the old and new value and a reason).
#include <string>

namespace hamesh::replica {

enum class replica_role { secondary, primary };

enum class connection_state {
  standalone,              // not trying to connect (start-up, or after an operator disconnect)
  connecting,              // the engine dials and accepts until a TCP stream to the peer exists
  handshaking,             // hellos exchanged, waiting for the peer's (or its bitmap)
  connected,               // replicating, nothing to resync
  sync_source,             // replicating and sending the regions the peer lacks
  sync_target,             // replicating and receiving the regions this member lacks
  refused_split_brain,     // both changed since parting and the policy refused: operator
  refused_unrelated_data,  // no common generation: operator
  refused,                 // any other refusal (geometry, version, names, dual primary)
};

enum class disk_state {
  up_to_date,    // a whole, current generation
  inconsistent,  // new, or a resync target that has not finished: never promote it
  outdated,      // whole but known to be behind the peer (an interrupted partner's view)
  failed,        // the local disk returned an error: the core refuses I/O
};

// Which member's acknowledgement completes a client write (DRBD's protocols A, B and C).
enum class replication_protocol {
  a,  // written locally and handed to the stream
  b,  // written locally and received by the peer
  c,  // written locally and on the peer's disk (the default: no acknowledged write is lost)
};

struct replica_state {
  replica_role role = replica_role::secondary;
  connection_state connection = connection_state::standalone;
  disk_state disk = disk_state::inconsistent;
  bool operator==(const replica_state& o) const {
    return role == o.role && connection == o.connection && disk == o.disk;
  }
  bool operator!=(const replica_state& o) const { return !(*this == o); }
};

const char* to_string(replica_role r);
const char* to_string(connection_state c);
const char* to_string(disk_state d);
const char* to_string(replication_protocol p);
// "primary/connected/up_to_date"
std::string to_string(const replica_state& s);

}  // namespace hamesh::replica
