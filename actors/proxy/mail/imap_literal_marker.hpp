#pragma once
// The "{N}" or "{N+}" that ends a line when a literal follows (RFC 3501 §4.3 and §9 literal,
// RFC 7888 literal-nonsync): how the command reader knows to read N bytes, and how the backend
// login knows to skip them in untagged data.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hamesh::proxy::mail {

struct imap_literal_marker {
  uint64_t size = 0;          // N, saturating (past 32 bits it is over every limit anyway)
  bool synchronizing = true;  // "{N}"; false for "{N+}"
  size_t open = 0;            // offset of the "{" in the line
};

// The marker ending `line` (without its CRLF), or nullopt.
std::optional<imap_literal_marker> find_trailing_literal(std::string_view line);

}  // namespace hamesh::proxy::mail
