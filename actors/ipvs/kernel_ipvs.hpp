#pragma once
// The kernel IPVS data plane: the service and its real servers are programmed into the
// kernel's ip_vs over generic netlink (family "IPVS", linux/ip_vs.h), as ipvsadm does; the
// kernel then forwards (NAT) and counts. Needs the ip_vs module (/proc/net/ip_vs) and
// CAP_NET_ADMIN; where the module is missing, start() says so and the service stays down.
#include <mutex>

#include "actors/ipvs/data_plane.hpp"

namespace hamesh::ipvs {

class kernel_ipvs : public data_plane {
 public:
  explicit kernel_ipvs(const service_settings& service);
  ~kernel_ipvs() override;  // deletes the service from the kernel

  std::string start(const pool_view& pool) override;
  void apply(const pool_view& pool) override;
  service_counters counters() const override;
  void stop_accepting() override;
  uint64_t open_connections() const override { return 0; }
  std::string last_error() const override;
  const char* forward_method() const override { return "Masq"; }

  // Why kernel IPVS cannot be used on this machine, or "" when it can.
  static std::string unavailable_reason();

 private:
  // Sends one request; collects the replies until its ack (or the end of a dump). "" or why
  // the kernel refused.
  std::string transact(const std::vector<uint8_t>& request, std::vector<uint32_t>* dests_seen,
                       service_counters* counts) const;
  std::string apply_locked(const pool_view& pool);

  service_settings service_;
  int sock_ = -1;
  uint16_t family_ = 0;
  mutable uint32_t seq_ = 1;
  pool_view pool_;  // what the kernel holds now
  bool started_ = false;
  mutable std::mutex mutex_;
  std::string last_error_;
};

}  // namespace hamesh::ipvs
