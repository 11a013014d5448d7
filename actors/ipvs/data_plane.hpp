#pragma once
// What the IPVS actor drives, whichever way packets move: it hands over the pool each time
// health, drain or quorum change it, and reads counters for hameshctl and /metrics.
#include <cstdint>
#include <string>
#include <vector>

#include "actors/ipvs/service_table.hpp"

namespace hamesh::ipvs {

// Per pool member (same order as pool_view::members). Counts a data plane cannot know are
// left at 0 and flagged in service_counters::connection_counts_known.
struct member_counters {
  uint64_t active = 0;    // established connections (ipvsadm's ActiveConn)
  uint64_t inactive = 0;  // connecting or closing (InActConn)
  uint64_t connections = 0;
  uint64_t bytes_in = 0;   // client -> real
  uint64_t bytes_out = 0;  // real -> client
  uint64_t connect_errors = 0;
};

struct service_counters {
  std::vector<member_counters> members;
  uint64_t accepted = 0;
  uint64_t no_server = 0;   // refused: nothing in the pool could take it
  uint64_t over_limit = 0;  // held back by max_connections
  bool connection_counts_known = true;
};

class data_plane {
 public:
  virtual ~data_plane() = default;
  // Starts forwarding with `pool`; returns why it cannot ("" when it runs).
  virtual std::string start(const pool_view& pool) = 0;
  // Replaces the pool; thread-safe, takes effect for new connections.
  virtual void apply(const pool_view& pool) = 0;
  // A reload changed the service's settings (never its address, port, protocol or data
  // plane): take them and the pool without dropping connections. False when this data plane
  // cannot; the service then restarts.
  virtual bool reconfigure(const service_settings& service, const pool_view& pool) {
    (void)service;
    (void)pool;
    return false;
  }
  virtual service_counters counters() const = 0;
  // Stops taking new connections; existing ones go on (a graceful stop drains them).
  virtual void stop_accepting() = 0;
  // Connections still open (for draining); 0 where the kernel owns them.
  virtual uint64_t open_connections() const = 0;
  // Why the last apply() did not take effect ("" when it did).
  virtual std::string last_error() const { return ""; }
  // ipvsadm's Forward column: "Local" for the user-space forwarder, "Masq" for DNAT.
  virtual const char* forward_method() const = 0;
};

}  // namespace hamesh::ipvs
