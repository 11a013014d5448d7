// Any bytes as the head of a scrape request: need more, a request, or an error status, and
// a complete head never claims more bytes than it was given.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "runtime/metrics/request_head.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto h = hamesh::metrics::parse_request_head(text, 1024);
  using r = hamesh::metrics::request_head::result;
  if (h.status == r::complete && (h.head_size > size || h.method.empty() || h.target.empty()))
    std::abort();
  if (h.status == r::bad && h.error_status != 400 && h.error_status != 414 && h.error_status != 431)
    std::abort();
  return 0;
}
