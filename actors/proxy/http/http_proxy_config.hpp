#pragma once
// [[proxy.http]]: one HTTP listener (pound's ListenHTTP with its Services), with its
// [[proxy.http.pool]] backend pools and ordered [[proxy.http.route]] rules.
#include <string>
#include <vector>

#include "actors/proxy/http/http_engine_settings.hpp"

namespace hamesh::config {
class table_reader;
}

namespace hamesh::proxy::http {

struct http_listener_config {
  std::string name;
  http_engine_settings engine;

  std::string fingerprint() const;
};

// Reads the [[proxy.http]] array of the [proxy] table.
std::vector<http_listener_config> parse_http_listeners(config::table_reader& proxy);

}  // namespace hamesh::proxy::http
