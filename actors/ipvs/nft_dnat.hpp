#pragma once
// The nftables data plane: the kernel forwards (DNAT, conntrack), hamesh only rewrites the
// service's table when the pool changes, with the `nft` tool in one atomic transaction.
// Needs CAP_NET_ADMIN and nftables. Connection counts come from conntrack.
#include <mutex>

#include "actors/ipvs/data_plane.hpp"

namespace hamesh::ipvs {

class nft_dnat : public data_plane {
 public:
  explicit nft_dnat(const service_settings& service);
  ~nft_dnat() override;  // removes the table

  std::string start(const pool_view& pool) override;
  void apply(const pool_view& pool) override;
  // The kernel keeps its connections (conntrack) while the table is swapped.
  bool reconfigure(const service_settings& service, const pool_view& pool) override;
  service_counters counters() const override;
  void stop_accepting() override;
  uint64_t open_connections() const override { return 0; }
  std::string last_error() const override;
  const char* forward_method() const override { return "Masq"; }

 private:
  std::string run_nft(const std::string& script);

  service_settings service_;
  std::string table_;
  pool_view pool_;
  bool started_ = false;
  mutable std::mutex mutex_;
  std::string last_error_;
};

}  // namespace hamesh::ipvs
