#pragma once
// Sizes as operators write them in configs: "4KiB", "64MiB", "1GiB", or plain bytes "4096".
// Binary units only (KiB = 1024): a volume's size and its regions are powers of two, and
// "1GB" meaning 10^9 or 2^30 is a guess the config never makes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hamesh {

// An integer followed by nothing (bytes), B, KiB, MiB, GiB or TiB. nullopt with a reason in
// `why` (when set) otherwise, also on overflow.
std::optional<uint64_t> parse_byte_size(std::string_view text, std::string* why = nullptr);

// The largest unit that divides it exactly: 65536 -> "64KiB", 1000 -> "1000B".
std::string format_byte_size(uint64_t bytes);

}  // namespace hamesh
