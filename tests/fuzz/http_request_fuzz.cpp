// Any bytes as a client's request stream: every event sequence ends in need more, closed or
// an error with a reason and status, never a crash; and the sequence (bodies and tunnels
// compared as concatenated bytes) is the same fed whole, cut at an input-chosen point, or
// byte by byte.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "actors/proxy/http/http_request_parser.hpp"

using namespace hamesh::proxy::http;
using kind = http_request_event::kind;

namespace {

// The events as one string: a tag per event, the head's facts, body/tunnel bytes appended
// under one tag per run so that how reads split them does not show.
std::string run(std::string_view bytes, const http_limits& limits, bool accept_upgrade,
                size_t first, size_t piece) {
  http_request_parser p(limits);
  std::string trace;
  char last = 0;
  bool stopped = false;
  auto drain = [&](std::string_view& in) {
    while (!stopped) {
      auto e = p.next(in);
      if (e.what == kind::need_more) return;
      if ((e.what == kind::body || e.what == kind::tunnel) && e.data.empty()) std::abort();
      if (e.what != kind::body && e.what != kind::tunnel && !e.data.empty()) std::abort();
      char tag = "nhbeutce"[static_cast<int>(e.what)];
      if (tag != last || (tag != 'b' && tag != 't')) trace += '|', trace += tag;
      last = tag;
      switch (e.what) {
        case kind::head: {
          const auto& h = p.head();
          if (p.raw_head().size() > limits.max_head) std::abort();
          if (h.headers.size() > limits.max_header_fields) std::abort();
          if (h.target.size() > limits.max_target) std::abort();
          if (h.minor_version != 0 && h.minor_version != 1) std::abort();
          if (limits.max_body && h.framing.kind == http_body_framing::content_length &&
              h.framing.content_length > limits.max_body)
            std::abort();
          trace += h.method + ' ' + h.target + ' ' + h.host + ' ' + h.path + ' ' +
                   to_string(h.framing.kind) + std::to_string(h.framing.content_length) +
                   (h.keep_alive ? 'k' : '-') + (h.expect_100_continue ? 'x' : '-') +
                   (h.upgrade ? 'u' : '-');
          break;
        }
        case kind::body:
        case kind::tunnel:
          trace.append(e.data.data(), e.data.size());
          break;
        case kind::upgrade_pending:
          accept_upgrade ? p.accept_upgrade() : p.decline_upgrade();
          break;
        case kind::error: {
          int s = status_for(p.error().reason);
          if (p.error().text.empty() ||
              (s != 400 && s != 413 && s != 414 && s != 431 && s != 501 && s != 505))
            std::abort();
          trace += to_string(p.error().reason);
          stopped = true;
          break;
        }
        default:
          break;
      }
    }
  };
  size_t at = 0, size = first;
  while (at < bytes.size() && !stopped) {
    size_t n = size < bytes.size() - at ? size : bytes.size() - at;
    std::string_view in = bytes.substr(at, n);
    drain(in);
    if (!stopped && !in.empty()) std::abort();  // need_more only once the input is used up
    at += n;
    size = piece;
  }
  auto end = p.finish();
  if (end.what != kind::closed && end.what != kind::error) std::abort();
  trace += end.what == kind::closed ? "|C" : "|E";
  return trace;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // The first byte picks the options, the second where to cut; the rest is the stream.
  bool accept_upgrade = data[0] & 1;
  bool small_limits = data[0] & 2;  // reach the limit paths with short inputs
  size_t cut = data[1];
  std::string_view bytes(reinterpret_cast<const char*>(data + 2), size - 2);
  http_limits limits;
  if (small_limits) {
    limits.max_head = 160;
    limits.max_header_fields = 4;
    limits.max_target = 24;
    limits.max_body = 64;
    limits.max_empty_lines = 2;
  }
  std::string whole = run(bytes, limits, accept_upgrade, bytes.size() + 1, 1);
  std::string two_pieces = run(bytes, limits, accept_upgrade, cut, bytes.size() + 1);
  std::string bytewise = run(bytes, limits, accept_upgrade, 1, 1);
  if (whole != two_pieces || whole != bytewise) std::abort();
  return 0;
}
