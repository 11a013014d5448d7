#include "runtime/duration.hpp"

#include <cstdint>
#include <limits>

namespace hamesh {
namespace {

struct unit_entry {
  std::string_view name;
  int64_t nanoseconds;
};

// Longest names first so that "ms" is not read as "m" followed by garbage.
constexpr unit_entry units[] = {
    {"ns", 1},
    {"us", 1'000},
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
};

bool fail(std::string* why, std::string reason) {
  if (why) *why = std::move(reason);
  return false;
}

}  // namespace

std::optional<duration> parse_duration(std::string_view text, std::string* why) {
  if (text.empty()) {
    fail(why, "empty duration; write a number with a unit, like \"500ms\"");
    return std::nullopt;
  }
  int64_t total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t digits_begin = pos;
    int64_t value = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      int digit = text[pos] - '0';
      if (value > (std::numeric_limits<int64_t>::max() - digit) / 10) {
        fail(why, "duration too large");
        return std::nullopt;
      }
      value = value * 10 + digit;
      ++pos;
    }
    if (pos == digits_begin) {
      fail(why, "expected a digit at offset " + std::to_string(pos) + " in \"" + std::string(text) +
                    "\"");
      return std::nullopt;
    }
    size_t unit_begin = pos;
    while (pos < text.size() && text[pos] >= 'a' && text[pos] <= 'z') ++pos;
    std::string_view unit = text.substr(unit_begin, pos - unit_begin);
    if (unit.empty()) {
      fail(why, "missing unit after " + std::to_string(value) + " (use ns, us, ms, s, m or h)");
      return std::nullopt;
    }
    const unit_entry* match = nullptr;
    for (const auto& u : units)
      if (u.name == unit) match = &u;
    if (!match) {
      fail(why, "unknown unit \"" + std::string(unit) + "\" (use ns, us, ms, s, m or h)");
      return std::nullopt;
    }
    if (value > std::numeric_limits<int64_t>::max() / match->nanoseconds ||
        total > std::numeric_limits<int64_t>::max() - value * match->nanoseconds) {
      fail(why, "duration too large");
      return std::nullopt;
    }
    total += value * match->nanoseconds;
  }
  return duration{total};
}

std::string format_duration(duration d) {
  int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  if (ns < 0) ns = -ns;
  for (auto it = std::rbegin(units); it != std::rend(units); ++it)
    if (ns % it->nanoseconds == 0)
      return sign + std::to_string(ns / it->nanoseconds) + std::string(it->name);
  return sign + std::to_string(ns) + "ns";
}

}  // namespace hamesh
