#pragma once
// Durations as operators write them in configs: "250ms", "3s", "1m30s".
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hamesh {

using duration = std::chrono::nanoseconds;

// Parses a non-negative duration made of one or more <integer><unit> parts, units
// ns, us, ms, s, m, h ("1m30s"). A bare number is refused: the unit is never guessed.
// On failure returns nullopt and, if `why` is set, a reason a person can act on.
std::optional<duration> parse_duration(std::string_view text, std::string* why = nullptr);

// Shortest exact rendering with the largest fitting unit: 1500ms -> "1500ms", 2s -> "2s".
std::string format_duration(duration d);

}  // namespace hamesh
