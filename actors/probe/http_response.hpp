#pragma once
// An HTTP/1.x response as a health check reads it (pure, incremental): bytes go in as they
// arrive, in chunks of any size, and every prefix of a stream is "need more", a complete
// response, or an error with a reason. Knows the three ways a body ends (RFC 9112 §6.3):
// Content-Length, chunked transfer coding, and the server closing the connection.
// No sockets here: the check runner feeds it, the fuzzer feeds it anything.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hamesh::probe {

struct http_response_limits {
  size_t max_head = 16 * 1024;     // status line + headers (and interim 1xx heads), per response
  size_t max_body = 1024 * 1024;   // decoded body bytes kept for the digest
  size_t max_trailer = 16 * 1024;  // trailer section after the last chunk
};

class http_response_parser {
 public:
  enum class state { need_more, complete, error };

  // `want_body` false: the response is complete once its head is (a status-only check does
  // not wait for, or pay for, a body it will not look at).
  explicit http_response_parser(bool want_body = true, http_response_limits limits = {});

  // Consumes `bytes` and returns the state afterwards. Bytes after a complete response, or
  // after an error, are ignored.
  state feed(std::string_view bytes);

  // The peer closed the connection: ends a body that is delimited by the close, and turns an
  // unfinished response into an error saying where it stopped.
  state finish();

  state current() const { return state_; }
  bool head_complete() const { return phase_ > phase::headers; }

  // Valid once the head is complete.
  int status_code() const { return status_; }
  const std::string& reason() const { return reason_; }
  int minor_version() const { return minor_version_; }  // HTTP/1.<minor>: 0 or 1
  // Names as received; look-ups with header() ignore case.
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }
  // The first value of `name` (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;

  // The decoded body (chunk framing removed); empty when `want_body` is false.
  const std::string& body() const { return body_; }

  // Why the state is `error`; empty otherwise.
  const std::string& error() const { return error_; }

 private:
  enum class phase {
    status_line,
    headers,
    body_by_length,
    chunk_size,
    chunk_data,
    chunk_data_end,
    trailers,
    body_until_close,
    done,
  };

  bool line_fits(size_t length_with_terminator);
  void on_line(std::string_view line);
  void on_status_line(std::string_view line);
  void on_header_line(std::string_view line);
  void on_head_end();
  void on_chunk_size_line(std::string_view line);
  void on_chunk_data_end_line(std::string_view line);
  void on_trailer_line(std::string_view line);
  size_t take_body(std::string_view bytes);
  void append_body(std::string_view bytes);
  void fail(std::string why);
  void complete();

  bool want_body_;
  http_response_limits limits_;
  state state_ = state::need_more;
  phase phase_ = phase::status_line;

  std::string line_;       // the line being read, without its terminator
  size_t head_bytes_ = 0;  // bytes of head seen so far, for max_head
  size_t trailer_bytes_ = 0;
  bool trailer_seen_ = false;  // a folded trailer line needs one before it

  int status_ = 0;
  int minor_version_ = 0;
  std::string reason_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string body_;
  uint64_t remaining_ = 0;  // body bytes left (by length) or of the current chunk
  std::string error_;
};

const char* to_string(http_response_parser::state s);

}  // namespace hamesh::probe
