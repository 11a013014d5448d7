#pragma once
// Runs one attempt of a network check (every kind but script) to completion or to its
// deadline, blocking the calling thread only: the probe actor runs it on a worker of its own,
// so a hung server costs that probe one timeout and nothing else. No CAF here.
#include <chrono>
#include <string>

#include "actors/probe/check_settings.hpp"

namespace hamesh::probe {

struct check_result {
  bool ok = false;
  std::chrono::nanoseconds latency{0};  // from start to verdict
  std::string detail;  // a person's reason: "HTTP 503", "connect: Connection refused", "timeout
                       // after 1s waiting for the greeting", "200 OK"
};

// Never returns later than `deadline` plus scheduling noise; every wait polls with the time
// that is left. Thread-safe: attempts for different checks may run at the same time.
check_result run_check(const check_settings& check, std::chrono::steady_clock::time_point deadline);

}  // namespace hamesh::probe
