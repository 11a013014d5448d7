// Any bytes as an HTTP response: need more, complete or an error with a reason, never a
// crash; and the outcome does not depend on how the bytes were cut into reads.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "actors/probe/http_response.hpp"

using hamesh::probe::http_response_limits;
using hamesh::probe::http_response_parser;

namespace {

struct outcome {
  http_response_parser::state before_close;
  http_response_parser::state after_close;
  int status;
  std::string body;
  std::string error;

  bool operator==(const outcome& o) const {
    return before_close == o.before_close && after_close == o.after_close && status == o.status &&
           body == o.body && error == o.error;
  }
};

// Feeds `bytes` in pieces of `piece` bytes, the first piece `first` bytes long.
outcome parse(std::string_view bytes, bool want_body, const http_response_limits& limits,
              size_t first, size_t piece) {
  http_response_parser p(want_body, limits);
  size_t at = 0;
  size_t size = first;
  while (at < bytes.size()) {
    size_t n = size < bytes.size() - at ? size : bytes.size() - at;
    p.feed(bytes.substr(at, n));
    at += n;
    size = piece;
  }
  auto before = p.current();
  if ((before == http_response_parser::state::error) == p.error().empty()) std::abort();
  if (p.body().size() > limits.max_body) std::abort();
  if (!want_body && !p.body().empty()) std::abort();
  auto after = p.finish();
  if (after == http_response_parser::state::need_more) std::abort();  // a close always decides
  if (before != http_response_parser::state::need_more && after != before) std::abort();
  if (after == http_response_parser::state::complete &&
      (p.status_code() < 100 || p.status_code() > 599))
    std::abort();
  return {before, after, p.status_code(), p.body(), p.error()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // The first byte picks the options and where to cut; the rest is the response.
  bool want_body = data[0] & 1;
  bool small_limits = data[0] & 2;  // reach the limit paths with short inputs
  size_t cut = data[1];
  std::string_view bytes(reinterpret_cast<const char*>(data + 2), size - 2);
  http_response_limits limits;
  if (small_limits) limits = {96, 40, 64};

  outcome whole = parse(bytes, want_body, limits, bytes.size() + 1, 1);
  outcome two_pieces = parse(bytes, want_body, limits, cut, bytes.size() + 1);
  outcome bytewise = parse(bytes, want_body, limits, 1, 1);
  if (!(whole == two_pieces) || !(whole == bytewise)) std::abort();
  return 0;
}
