#pragma once
// Validates a chunked body (RFC 9112 §7.1) without decoding it: the proxy forwards the
// validated bytes unchanged, so the scanner only says how many leading bytes of its input
// are valid and where the body ends. Byte-level state machine: nothing is buffered, every
// check fires at the same byte however the stream is cut, and a bad byte stops the scan
// right before it (the valid prefix is still reported).
//
// Strict: chunk lines end in CRLF; chunk-size is 1*HEXDIG; extensions follow the grammar
// exactly (BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ]); trailer lines are
// "tchar-name:value" with no obs-fold and no CTL.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "actors/proxy/http/http_errc.hpp"

namespace hamesh::proxy::http {

class http_chunked_scanner {
 public:
  enum class status { need_more, done, error };
  struct step {
    size_t valid = 0;  // leading bytes of the input that are valid chunked body
    status state = status::need_more;
  };

  // `max_data`: total chunk data allowed (0: unlimited), 413 beyond; `max_trailer` bytes
  // and `max_trailer_fields` lines in the trailer section, 431 beyond.
  http_chunked_scanner(uint64_t max_data, size_t max_trailer, size_t max_trailer_fields);

  // Scans `input` from where the previous call stopped. After done or error, scans nothing.
  step scan(std::string_view input);

  // Chunk data bytes announced so far (the decoded body size once done).
  uint64_t data_size() const { return data_size_; }
  const http_error& error() const { return error_; }

 private:
  enum class phase {
    size,      // in chunk-size
    size_bws,  // BWS after chunk-size, before ";"
    ext_before_name,
    ext_name,
    ext_after_name,  // BWS after a name
    ext_before_value,
    ext_token,
    ext_quoted,
    ext_quoted_pair,
    ext_after_quoted,  // right after the closing quote
    ext_after_value,   // BWS after a value
    size_lf,           // CR seen at the end of a chunk line
    data,
    data_cr,
    data_lf,
    trailer_start,  // at the start of a trailer line (or of the final CRLF)
    trailer_name,
    trailer_value,
    trailer_lf,
    final_lf,
    done,
    failed,
  };

  bool on_byte(unsigned char c);  // false: stop before this byte (error)
  bool on_chunk_line_byte(unsigned char c);
  bool on_trailer_byte(unsigned char c);
  bool fail(http_errc reason, const char* text);
  void end_chunk_line();

  uint64_t max_data_;
  size_t max_trailer_;
  size_t max_trailer_fields_;
  phase phase_ = phase::size;
  uint64_t chunk_size_ = 0;
  size_t size_digits_ = 0;
  size_t line_bytes_ = 0;   // bytes of the current chunk line, bounded
  uint64_t remaining_ = 0;  // of the current chunk's data
  uint64_t data_size_ = 0;
  size_t trailer_bytes_ = 0;
  size_t trailer_fields_ = 0;
  http_error error_;
};

}  // namespace hamesh::proxy::http
