#pragma once
// What one NBD session offers: the export's name, a line for humans and the device behind it.
#include <string>

#include "actors/replica/block_device_info.hpp"

namespace hamesh::replica {

struct nbd_export_info {
  std::string name;         // NBD_OPT_GO / EXPORT_NAME select it; "" (the default) does too
  std::string description;  // NBD_REP_SERVER details and NBD_INFO_DESCRIPTION; may be empty
  block_device_info device;
};

}  // namespace hamesh::replica
