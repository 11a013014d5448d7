#pragma once
// The vocabulary of supervision, as in Erlang/OTP: how a child is restarted, how a
// failure spreads to its siblings, and how many restarts a supervisor tolerates.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hamesh::supervision {

// permanent: always restarted; transient: restarted only after a failure (an abnormal
// exit); temporary: never restarted.
enum class restart_type { permanent, transient, temporary };

// one_for_one: only the failed child restarts. one_for_all: all children restart.
// rest_for_one: the failed child and those started after it restart.
enum class strategy { one_for_one, one_for_all, rest_for_one };

// At most `max_restarts` restarts within any `period`; one more escalates.
struct restart_intensity {
  uint32_t max_restarts = 3;
  std::chrono::nanoseconds period = std::chrono::seconds(5);
  bool operator==(const restart_intensity& o) const {
    return max_restarts == o.max_restarts && period == o.period;
  }
};

std::string_view to_string(restart_type x);
std::string_view to_string(strategy x);
std::optional<restart_type> parse_restart_type(std::string_view text);
std::optional<strategy> parse_strategy(std::string_view text);

}  // namespace hamesh::supervision
