// Any bytes as a backend's response stream: need more, closed or an error with a reason,
// never a crash; the bytes passed on are exactly a prefix of the input, in order; and the
// events are the same fed whole, cut at an input-chosen point, or byte by byte.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "actors/proxy/http/http_response_framer.hpp"

using namespace hamesh::proxy::http;
using kind = http_response_event::kind;

namespace {

std::string run(std::string_view bytes, const http_limits& limits, uint8_t requests, size_t first,
                size_t piece) {
  http_response_framer f(limits);
  // Up to four requests: bit 0 of each pair HEAD, bit 1 asked to upgrade.
  for (int i = 0; i < 4; ++i) {
    unsigned r = (requests >> (2 * i)) & 3;
    f.expect_response(r & 1 ? "HEAD" : "GET", r & 2);
  }
  std::string trace;
  char last = 0;
  bool stopped = false;
  size_t forwarded_end = 0;  // input offset after the last byte passed on
  // `consumed`: input bytes taken so far. What the proxy passes on is the input unchanged
  // and in order; the only bytes skipped are empty lines before a status line.
  auto on = [&](http_response_event e, size_t consumed) {
    if (e.what == kind::need_more) return false;
    char tag = "nihbetcx"[static_cast<int>(e.what)];
    if (tag != last || (tag != 'b' && tag != 't')) trace += '|', trace += tag;
    last = tag;
    if (!e.data.empty()) {
      if (e.data.size() > consumed ||
          bytes.substr(consumed - e.data.size(), e.data.size()) != e.data)
        std::abort();
      for (size_t i = forwarded_end; i < consumed - e.data.size(); ++i)
        if (bytes[i] != '\r' && bytes[i] != '\n') std::abort();
      forwarded_end = consumed;
    }
    switch (e.what) {
      case kind::interim:
      case kind::head: {
        const auto& h = f.head();
        if (h.raw.size() > limits.max_head || h.raw != e.data) std::abort();
        if (h.status < 100 || h.status > 599 || h.raw.substr(h.fields_end) != "\r\n") std::abort();
        if (e.what == kind::interim && (h.status >= 200 || h.status == 101)) std::abort();
        trace += std::to_string(h.status) + to_string(h.framing.kind) +
                 std::to_string(h.framing.content_length) + (h.keep_alive ? 'k' : '-');
        break;
      }
      case kind::body:
      case kind::tunnel:
        if (e.data.empty()) std::abort();
        trace.append(e.data.data(), e.data.size());
        break;
      case kind::error:
        if (f.error().text.empty() || f.error().reason == http_errc::none) std::abort();
        trace += to_string(f.error().reason);
        stopped = true;
        return false;
      case kind::closed:
        stopped = true;
        return false;
      default:
        break;
    }
    return true;
  };
  size_t at = 0, size = first;
  while (at < bytes.size() && !stopped) {
    size_t n = size < bytes.size() - at ? size : bytes.size() - at;
    std::string_view in = bytes.substr(at, n);
    while (true) {
      auto e = f.next(in);
      if (!on(e, at + n - in.size())) break;
    }
    if (!stopped && !in.empty()) std::abort();
    at += n;
    size = piece;
  }
  if (!stopped) {
    std::string_view none;
    while (on(f.next(none), at)) {
    }
    if (!stopped) {
      auto end = f.finish();
      if (end.what != kind::closed && end.what != kind::error && end.what != kind::message_end)
        std::abort();
      on(end, at);
    }
  }
  return trace;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  bool small_limits = data[0] & 1;
  uint8_t requests = data[1];
  size_t cut = data[2];
  std::string_view bytes(reinterpret_cast<const char*>(data + 3), size - 3);
  http_limits limits;
  if (small_limits) {
    limits.max_head = 128;
    limits.max_header_fields = 4;
    limits.max_empty_lines = 2;
  }
  std::string whole = run(bytes, limits, requests, bytes.size() + 1, 1);
  std::string two_pieces = run(bytes, limits, requests, cut, bytes.size() + 1);
  std::string bytewise = run(bytes, limits, requests, 1, 1);
  if (whole != two_pieces || whole != bytewise) std::abort();
  return 0;
}
