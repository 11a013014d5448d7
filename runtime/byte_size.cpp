#include "runtime/byte_size.hpp"

#include <array>
#include <utility>

namespace hamesh {
namespace {

constexpr std::array<std::pair<std::string_view, uint64_t>, 5> units = {{
    {"B", 1},
    {"KiB", uint64_t(1) << 10},
    {"MiB", uint64_t(1) << 20},
    {"GiB", uint64_t(1) << 30},
    {"TiB", uint64_t(1) << 40},
}};

}  // namespace

std::optional<uint64_t> parse_byte_size(std::string_view text, std::string* why) {
  auto fail = [why](const char* reason) -> std::optional<uint64_t> {
    if (why) *why = reason;
    return std::nullopt;
  };
  size_t i = 0;
  uint64_t value = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    uint64_t digit = uint64_t(text[i] - '0');
    if (value > (UINT64_MAX - digit) / 10) return fail("the number is too large");
    value = value * 10 + digit;
  }
  if (i == 0) return fail("expected a number first, like \"64MiB\"");
  auto unit = text.substr(i);
  if (unit.empty()) return value;
  for (auto& [name, factor] : units)
    if (unit == name) {
      if (value > UINT64_MAX / factor) return fail("the size is too large");
      return value * factor;
    }
  return fail("unknown unit (B, KiB, MiB, GiB, TiB)");
}

std::string format_byte_size(uint64_t bytes) {
  for (size_t u = units.size(); u-- > 1;)
    if (bytes != 0 && bytes % units[u].second == 0)
      return std::to_string(bytes / units[u].second) + std::string(units[u].first);
  return std::to_string(bytes) + "B";
}

}  // namespace hamesh
