#pragma once
// The user-space L4 data plane for TCP: one engine thread per service with epoll, accepting
// on the virtual address (IP_FREEBIND: the VIP may arrive later, with VRRP mastership),
// connecting to the real server the scheduler picks, and moving bytes with splice(2)
// through pooled pipes so they never enter user space. No privileges needed.
#include <memory>

#include "actors/ipvs/data_plane.hpp"
#include "actors/ipvs/forwarder_settings.hpp"

namespace hamesh::ipvs {

class tcp_forwarder : public data_plane {
 public:
  explicit tcp_forwarder(const forwarder_settings& settings);
  ~tcp_forwarder() override;  // closes every connection

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
