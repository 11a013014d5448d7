#pragma once
// [[demo.ticker]]: a demo actor that ticks and can be told to crash, so that users and
// tests can watch supervision at work.
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/duration.hpp"
#include "runtime/supervision/policy.hpp"

namespace hamesh::config {
class table_reader;
}

namespace hamesh::ticker {

struct ticker_config {
  std::string name;
  duration interval = std::chrono::seconds(1);
  uint64_t fail_after = 0;  // fail on this tick (0: never); a flapping actor for scenarios
  // How long it takes to stop when asked (0: at once); a slow-to-stop actor for testing
  // shutdown_timeout.
  duration stop_delay = duration::zero();
  supervision::restart_type restart = supervision::restart_type::permanent;

  // Everything that, when changed by a reload, needs a new actor.
  std::string fingerprint() const;
};

// Reads the [[demo.ticker]] array of the [demo] table.
std::vector<ticker_config> parse_tickers(config::table_reader& demo);

}  // namespace hamesh::ticker
