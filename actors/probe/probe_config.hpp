#pragma once
// The check table of a config: `[ipvs.service.check]` (one probe per real server, aimed at
// it) and `[[probe.check]]` (a named probe of its own, for VRRP tracking).
#include <cstdint>
#include <string>
#include <vector>

#include "actors/probe/check_settings.hpp"

namespace hamesh::config {
class table_reader;
}

namespace hamesh::probe {

// A probe of its own: lb/probe/<name>.
struct standalone_probe {
  std::string name;
  check_settings check;
};

// Reads one check table. `target_host`/`target_port` aim it (a real server); when
// `target_host` is empty the table must carry its own `target`. Does not call finish().
check_settings parse_check(config::table_reader& t, const std::string& target_host,
                           uint16_t target_port);

// Reads the [[probe.check]] array of the [probe] table.
std::vector<standalone_probe> parse_standalone_probes(config::table_reader& probe);

}  // namespace hamesh::probe
