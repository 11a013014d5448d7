// Any text as a duration: parsed or refused with a reason; what parses formats back to
// the same value.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "runtime/duration.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string why;
  auto d = hamesh::parse_duration(text, &why);
  if (!d) {
    if (why.empty()) std::abort();
    return 0;
  }
  auto again = hamesh::parse_duration(hamesh::format_duration(*d));
  if (!again || *again != *d) std::abort();
  return 0;
}
