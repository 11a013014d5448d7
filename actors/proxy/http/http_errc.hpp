#pragma once
// Why an HTTP message was refused: one reason per rule (RFC 9110/9112), each with the status
// a server answers with. The request parser and the response framer share the enum; a
// response error always makes the proxy answer 502 (the backend is at fault), whatever
// status_for() says for the same reason on the request side.
#include <string>

namespace hamesh::proxy::http {

enum class http_errc {
  none,
  // Bytes in a head (RFC 9112 §2.2).
  bare_cr,               // CR not followed by LF
  bare_lf,               // LF not preceded by CR (we require CRLF: a re-framing gap otherwise)
  nul_byte,              // NUL anywhere in a head
  control_character,     // other CTL in a field value, reason phrase or target
  too_many_empty_lines,  // more empty lines before a request line than http_limits allows
  // Start lines (RFC 9112 §3, §4).
  bad_request_line,       // not "method SP target SP version"
  bad_method,             // method is not a token (RFC 9110 §9.1)
  bad_target,             // not origin-, absolute- or asterisk-form, or a character outside them
  bad_version,            // not "HTTP/" DIGIT "." DIGIT
  version_not_supported,  // a well-formed version other than HTTP/1.0 or HTTP/1.1 (505)
  method_not_supported,   // CONNECT: a reverse proxy does not tunnel to arbitrary hosts (501)
  bad_status_line,        // a response's status line is malformed
  // Field lines (RFC 9112 §5).
  bad_header_line,           // no colon, or an empty name
  bad_header_name,           // a name character that is not a tchar
  space_before_colon,        // RFC 9112 §5.1: MUST reject whitespace between name and colon
  obs_fold,                  // RFC 9112 §5.2: line folding (a line starting with SP/HTAB)
  header_section_too_large,  // head over http_limits::max_head (431)
  too_many_headers,          // more fields than http_limits::max_header_fields (431)
  target_too_long,           // request target over http_limits::max_target (414)
  // Host (RFC 9112 §3.2).
  missing_host,   // HTTP/1.1 request without Host
  multiple_host,  // more than one Host field line
  bad_host,       // Host (or the absolute-form authority) is not a valid uri-host[:port]
  // Framing (RFC 9112 §6).
  content_length_and_transfer_encoding,  // both present: the classic smuggling vector
  conflicting_content_length,            // Content-Length values that differ
  bad_content_length,                    // not 1*DIGIT, empty, or overflowing 64 bits
  bad_transfer_encoding,        // final coding is not chunked, chunked twice, bad list, or 1.0
  unsupported_transfer_coding,  // a coding other than chunked before the final chunked (501)
  body_too_large,               // Content-Length or chunked data over http_limits::max_body (413)
  // Chunked transfer coding (RFC 9112 §7.1).
  bad_chunk_size,             // chunk-size not hex, overflowing, or its line not ending in CRLF
  bad_chunk_extension,        // chunk-ext not ( BWS ";" BWS token [ BWS "=" BWS token/quoted ] )
  missing_chunk_crlf,         // chunk data not followed by CRLF
  bad_trailer,                // a malformed trailer field line
  trailer_section_too_large,  // trailers over max_head or max_header_fields (431)
  // Connection.
  incomplete_message,              // the peer closed inside a message
  closed_before_response,          // the backend closed while a response was awaited
  unexpected_response,             // response bytes with no request outstanding
  unexpected_switching_protocols,  // 101 to a request that did not ask to upgrade
};

// "bare_cr", "obs_fold", ...: for logs and counters.
const char* to_string(http_errc reason);

// The status a server answers a request refused for `reason` with: 400, 413, 414, 431, 501 or
// 505; 502 for the response-only reasons; 0 for none.
int status_for(http_errc reason);

// An error as a value: the reason (for status and counters) and a sentence for the log.
struct http_error {
  http_errc reason = http_errc::none;
  std::string text;
};

}  // namespace hamesh::proxy::http
