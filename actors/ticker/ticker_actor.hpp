#pragma once
// The demo ticker's actor: counts ticks, fails on its fail_after-th tick or when killed.
#include <caf/fwd.hpp>

#include <string>

#include "actors/ticker/ticker_config.hpp"

namespace hamesh::ticker {

caf::actor spawn_ticker(caf::local_actor* parent, const std::string& path,
                        const ticker_config& cfg);

}  // namespace hamesh::ticker
