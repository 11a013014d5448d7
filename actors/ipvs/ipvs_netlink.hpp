#pragma once
// Kernel IPVS's generic netlink messages (family "IPVS", linux/ip_vs.h), as ipvsadm sends
// them: resolve the family, add/change/remove a service and its destinations, list the
// destinations with their connection counts. Pure: bytes in, bytes out; the socket is in
// kernel_ipvs.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/ipvs/ipvs_config.hpp"
#include "actors/ipvs/service_table.hpp"

namespace hamesh::ipvs::netlink {

using bytes = std::vector<uint8_t>;

enum class dest_command { add, change, remove };

// CTRL_CMD_GETFAMILY for "IPVS" to the generic netlink controller.
bytes family_request(uint32_t seq);
// The family id in the controller's answer, or nullopt (with `error` when it is an error).
std::optional<uint16_t> parse_family(const uint8_t* data, size_t size, std::string* error);

// IPVS_CMD_NEW_SERVICE / DEL_SERVICE for `service` (scheduler, persistence as the
// persistent flag and timeout).
bytes service_request(uint16_t family, uint32_t seq, const service_settings& service, bool add);
// IPVS_CMD_NEW_DEST / SET_DEST / DEL_DEST for one real server of `service`, NAT forwarding.
bytes dest_request(uint16_t family, uint32_t seq, const service_settings& service,
                   const pool_member& member, dest_command command);
// IPVS_CMD_GET_DEST as a dump of the service's destinations.
bytes dest_dump_request(uint16_t family, uint32_t seq, const service_settings& service);

// What one message of a reply says: an ack (error 0), an error (negative errno), the end of
// a dump, or a destination with its counts.
struct reply {
  enum class kind { ack, error, done, dest, other } what = kind::other;
  int error = 0;
  uint32_t address = 0;
  uint16_t port = 0;
  uint32_t active = 0, inactive = 0;
};
// Every message in one recv() buffer.
std::vector<reply> parse_replies(const uint8_t* data, size_t size);

}  // namespace hamesh::ipvs::netlink
