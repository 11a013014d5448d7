#pragma once
// [[proxy.http]]: one HTTP listener (pound's ListenHTTP with its Services), with its
// [[proxy.http.pool]] backend pools and ordered [[proxy.http.route]] rules.
#include <string>
#include <vector>

#include <filesystem>
#include <optional>

#include "actors/probe/check_settings.hpp"
#include "actors/proxy/http/http_engine_settings.hpp"

namespace hamesh::config {
class table_reader;
}

namespace hamesh::proxy::http {

struct http_listener_config {
  std::string name;
  http_engine_settings engine;
  // Per pool (same order), the [proxy.http.pool.check] each of its servers gets.
  std::vector<std::optional<probe::check_settings>> pool_checks;
  // [[proxy.http.certificate]] entries and tls_min_version: the engine's TLS context is
  // loaded (and checked) from these when the config is read.
  net::tls_server_settings tls;
  std::string access_log = "off";         // off | common | json
  std::filesystem::path access_log_file;  // empty: the node's log

  std::string fingerprint() const;
  // The probe of server `server` of pool `pool`, relative to the proxy subtree:
  // "probe/http/<listener>/<pool>/<ip>_<port>", and the check aimed at it.
  std::string probe_name(size_t pool, size_t server) const;
  probe::check_settings check_for(size_t pool, size_t server) const;
};

// Reads the [[proxy.http]] array of the [proxy] table.
std::vector<http_listener_config> parse_http_listeners(config::table_reader& proxy);

}  // namespace hamesh::proxy::http
