#pragma once
// A [[proxy.http]] listener's actor: owns its http_engine (the bytes move there, on a thread
// of its own), drains it on a graceful stop, and answers `hameshctl proxies` with its pools,
// servers and counters.
#include <caf/fwd.hpp>

#include <string>

#include "actors/proxy/http/http_proxy_config.hpp"

namespace hamesh::proxy::http {

caf::actor spawn_http_listener(caf::local_actor* parent, const std::string& path,
                               const http_listener_config& cfg);

}  // namespace hamesh::proxy::http
