#pragma once
// The user-space L4 data plane for UDP: datagrams from each client (address and port) go to
// the real server picked for its first datagram, over a socket of its own, and replies go
// back from the service's address. A session ends after idle_timeout without traffic. As in
// ipvsadm, sessions count as inactive connections: UDP has no "established".
#include <memory>

#include "actors/ipvs/data_plane.hpp"
#include "actors/ipvs/forwarder_settings.hpp"

namespace hamesh::ipvs {

class udp_forwarder : public data_plane {
 public:
  explicit udp_forwarder(const forwarder_settings& settings);
  ~udp_forwarder() override;

  std::string start(const pool_view& pool) override;
  void apply(const pool_view& pool) override;
  service_counters counters() const override;
  void stop_accepting() override;
  uint64_t open_connections() const override;
  const char* forward_method() const override { return "Local"; }

  class engine;

 private:
  std::unique_ptr<engine> engine_;
};

}  // namespace hamesh::ipvs
