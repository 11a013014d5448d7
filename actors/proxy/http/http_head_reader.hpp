#pragma once
// Reads one message head (start line + field lines + the empty line) byte by byte, so that
// every check fires at the same byte however the stream is cut into reads. Strict where
// request smuggling lives (RFC 9112 §2.2, §5): CRLF only (bare CR and bare LF are errors),
// no NUL, no obs-fold, no whitespace before the colon, tchar names, no CTL in values.
// Shared by the request parser and the response framer; the start line is theirs to parse.
#include <cstddef>
#include <string>
#include <string_view>

#include "actors/proxy/http/http_errc.hpp"
#include "actors/proxy/http/http_headers.hpp"

namespace hamesh::proxy::http {

struct http_head_limits {
  size_t max_head = 16 * 1024;  // bytes, leading empty lines included (431)
  size_t max_fields = 100;      // field lines (431)
  size_t max_empty_lines = 8;   // empty lines ignored before the start line (RFC 9112 §2.2)
  size_t max_target = 0;        // longest second start-line field (request target); 0 = any
};

class http_head_reader {
 public:
  enum class status { need_more, complete, error };

  explicit http_head_reader(http_head_limits limits = {});

  // Takes bytes off the front of `input` up to the end of the head (the rest stays there).
  status feed(std::string_view& input);
  // Ready for the next head.
  void reset();

  status current() const { return status_; }
  // Whether any byte of this head (leading empty lines included) has been read.
  bool started() const { return head_bytes_ > 0; }

  // Valid once complete.
  std::string_view start_line() const;  // without its CRLF
  const http_headers& headers() const { return headers_; }
  // The head's bytes exactly as received from the start line through the final CRLF
  // (leading empty lines dropped).
  const std::string& raw() const { return raw_; }

  const http_error& error() const { return error_; }

 private:
  void on_byte(char c);
  void on_line_end();
  void on_field_line(std::string_view line);
  void fail(http_errc reason, std::string text);

  http_head_limits limits_;
  status status_ = status::need_more;
  std::string raw_;
  size_t head_bytes_ = 0;      // bytes read, for max_head
  size_t line_start_ = 0;      // offset in raw_ of the line being read
  size_t start_line_end_ = 0;  // offset in raw_ of the start line's CRLF; 0 until read
  bool have_start_line_ = false;
  bool after_cr_ = false;
  size_t empty_lines_ = 0;
  size_t start_line_spaces_ = 0;  // SPs so far in the start line
  size_t target_bytes_ = 0;       // bytes of the start line's second field so far
  http_headers headers_;
  http_error error_;
};

}  // namespace hamesh::proxy::http
