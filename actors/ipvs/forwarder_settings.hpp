#pragma once
// What a user-space forwarder needs of its service's settings.
#include <cstdint>

#include "actors/ipvs/ipvs_config.hpp"

namespace hamesh::ipvs {

struct forwarder_settings {
  uint32_t address = 0;  // listen address, host order; may not be on any interface yet (VIP)
  uint16_t port = 0;
  scheduler_kind scheduler = scheduler_kind::wlc;
  duration persistence{0};
  duration connect_timeout = std::chrono::seconds(3);
  duration idle_timeout = std::chrono::minutes(15);
  uint32_t max_connections = 0;

  static forwarder_settings of(const service_settings& s) {
    return {s.address,         s.port,         s.scheduler,      s.persistence,
            s.connect_timeout, s.idle_timeout, s.max_connections};
  }
};

}  // namespace hamesh::ipvs
