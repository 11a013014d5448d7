#pragma once
// How a message body is delimited (RFC 9112 §6.3), decided from Content-Length and
// Transfer-Encoding. Requests and responses share the syntax checks but not the rules: a
// request is refused on anything ambiguous, a response may fall back to read-until-close.
#include <cstdint>
#include <optional>

#include "actors/proxy/http/http_errc.hpp"
#include "actors/proxy/http/http_headers.hpp"

namespace hamesh::proxy::http {

enum class http_body_framing {
  none,            // no body
  content_length,  // exactly `content_length` bytes
  chunked,         // RFC 9112 §7.1 chunked transfer coding (the final coding)
  until_close,     // responses only: the body ends when the backend closes
};

const char* to_string(http_body_framing f);

struct http_framing {
  http_body_framing kind = http_body_framing::none;
  uint64_t content_length = 0;  // for content_length
};

// Request framing, strictly (RFC 9112 §6.1, §6.3):
// - Transfer-Encoding and Content-Length together: bad (smuggling).
// - Transfer-Encoding in HTTP/1.0: bad (§6.1: framing is faulty).
// - Transfer-Encoding must be exactly the single coding "chunked" (any case); a list ending
//   in chunked with other codings before it is unsupported (501); anything else is bad.
// - Content-Length: 1*DIGIT; repeated lines or list elements are merged when identical
//   (RFC 9110 §8.6), bad when they differ.
// Returns the framing, or sets `error`.
std::optional<http_framing> request_framing(const http_headers& headers, int minor_version,
                                            http_error& error);

// Response framing before the no-body rules (HEAD, 1xx, 204, 304) are applied by the caller:
// - Transfer-Encoding and Content-Length together, or Transfer-Encoding in HTTP/1.0: bad
//   (RFC 9112 §6.3 lets TE win, but we pass bytes through unchanged, so we cannot remove CL).
// - Transfer-Encoding: a list of tokens where chunked, if present, is last and appears once:
//   chunked; without chunked: until_close (§6.3 item 4).
// - Content-Length as for requests; neither: until_close.
std::optional<http_framing> response_framing(const http_headers& headers, int minor_version,
                                             http_error& error);

}  // namespace hamesh::proxy::http
