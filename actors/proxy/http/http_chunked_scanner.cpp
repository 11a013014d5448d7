#include "actors/proxy/http/http_chunked_scanner.hpp"

#include <limits>

#include "runtime/http_syntax.hpp"

namespace hamesh::proxy::http {
namespace {

// A chunk line is a size and extensions nobody needs; bounded so that a peer cannot keep
// the scanner busy on one line forever.
constexpr size_t max_chunk_line = 4096;

int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_bws(unsigned char c) {
  return c == ' ' || c == '\t';
}

// RFC 9110 §5.6.4: qdtext.
bool is_qdtext(unsigned char c) {
  return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
         (c >= 0x5d && c <= 0x7e) || c >= 0x80;
}

}  // namespace

http_chunked_scanner::http_chunked_scanner(uint64_t max_data, size_t max_trailer,
                                           size_t max_trailer_fields)
    : max_data_(max_data), max_trailer_(max_trailer), max_trailer_fields_(max_trailer_fields) {}

bool http_chunked_scanner::fail(http_errc reason, const char* text) {
  phase_ = phase::failed;
  error_ = {reason, text};
  return false;
}

http_chunked_scanner::step http_chunked_scanner::scan(std::string_view input) {
  size_t i = 0;
  while (i < input.size() && phase_ != phase::done && phase_ != phase::failed) {
    if (phase_ == phase::data) {
      // Chunk data is opaque: take as much of it as is here in one go.
      uint64_t available = input.size() - i;
      uint64_t n = available < remaining_ ? available : remaining_;
      i += static_cast<size_t>(n);
      remaining_ -= n;
      if (remaining_ == 0) phase_ = phase::data_cr;
      continue;
    }
    if (!on_byte(static_cast<unsigned char>(input[i]))) break;
    ++i;
  }
  status s = phase_ == phase::done     ? status::done
             : phase_ == phase::failed ? status::error
                                       : status::need_more;
  return {i, s};
}

bool http_chunked_scanner::on_byte(unsigned char c) {
  switch (phase_) {
    case phase::data_cr:
      if (c != '\r') return fail(http_errc::missing_chunk_crlf, "chunk data not followed by CRLF");
      phase_ = phase::data_lf;
      return true;
    case phase::data_lf:
      if (c != '\n') return fail(http_errc::missing_chunk_crlf, "chunk data not followed by CRLF");
      phase_ = phase::size;
      chunk_size_ = 0;
      size_digits_ = 0;
      line_bytes_ = 0;
      return true;
    case phase::trailer_start:
    case phase::trailer_name:
    case phase::trailer_value:
    case phase::trailer_lf:
    case phase::final_lf:
      return on_trailer_byte(c);
    case phase::data:
    case phase::done:
    case phase::failed:
      return false;
    default:
      return on_chunk_line_byte(c);
  }
}

bool http_chunked_scanner::on_chunk_line_byte(unsigned char c) {
  if (++line_bytes_ > max_chunk_line)
    return fail(http_errc::bad_chunk_extension, "chunk line too long");
  switch (phase_) {
    case phase::size: {
      int digit = hex_value(c);
      if (digit >= 0) {
        if (chunk_size_ > (std::numeric_limits<uint64_t>::max() >> 4))
          return fail(http_errc::bad_chunk_size, "chunk size overflows 64 bits");
        chunk_size_ = chunk_size_ << 4 | static_cast<uint64_t>(digit);
        ++size_digits_;
        if (max_data_ != 0 && chunk_size_ > max_data_ - data_size_)
          return fail(http_errc::body_too_large, "chunked body larger than the limit");
        return true;
      }
      if (size_digits_ == 0) return fail(http_errc::bad_chunk_size, "chunk size is not hex");
      if (c == '\r') {
        phase_ = phase::size_lf;
      } else if (c == ';') {
        phase_ = phase::ext_before_name;
      } else if (is_bws(c)) {
        phase_ = phase::size_bws;
      } else {
        return fail(http_errc::bad_chunk_size, "chunk size is not hex");
      }
      return true;
    }
    case phase::size_bws:
      if (c == ';') {
        phase_ = phase::ext_before_name;
        return true;
      }
      if (is_bws(c)) return true;
      return fail(http_errc::bad_chunk_size, "whitespace after chunk size without an extension");
    case phase::ext_before_name:
      if (is_bws(c)) return true;
      if (!is_tchar(c)) return fail(http_errc::bad_chunk_extension, "bad chunk extension name");
      phase_ = phase::ext_name;
      return true;
    case phase::ext_name:
    case phase::ext_after_name:
      if (phase_ == phase::ext_name && is_tchar(c)) return true;
      if (is_bws(c)) {
        phase_ = phase::ext_after_name;
        return true;
      }
      if (c == '=') {
        phase_ = phase::ext_before_value;
      } else if (c == ';') {
        phase_ = phase::ext_before_name;
      } else if (c == '\r' && phase_ == phase::ext_name) {
        phase_ = phase::size_lf;
      } else {
        return fail(http_errc::bad_chunk_extension, "bad chunk extension");
      }
      return true;
    case phase::ext_before_value:
      if (is_bws(c)) return true;
      if (c == '"') {
        phase_ = phase::ext_quoted;
      } else if (is_tchar(c)) {
        phase_ = phase::ext_token;
      } else {
        return fail(http_errc::bad_chunk_extension, "bad chunk extension value");
      }
      return true;
    case phase::ext_token:
    case phase::ext_after_value:
      if (phase_ == phase::ext_token && is_tchar(c)) return true;
      if (is_bws(c)) {
        phase_ = phase::ext_after_value;
      } else if (c == ';') {
        phase_ = phase::ext_before_name;
      } else if (c == '\r' && phase_ == phase::ext_token) {
        phase_ = phase::size_lf;
      } else {
        return fail(http_errc::bad_chunk_extension, "bad chunk extension value");
      }
      return true;
    case phase::ext_quoted:
      if (c == '"') {
        phase_ = phase::ext_after_quoted;
        return true;
      }
      if (c == '\\') {
        phase_ = phase::ext_quoted_pair;
        return true;
      }
      if (is_qdtext(c)) return true;
      return fail(http_errc::bad_chunk_extension, "bad character in quoted chunk extension");
    case phase::ext_after_quoted:
      if (is_bws(c)) {
        phase_ = phase::ext_after_value;
      } else if (c == ';') {
        phase_ = phase::ext_before_name;
      } else if (c == '\r') {
        phase_ = phase::size_lf;
      } else {
        return fail(http_errc::bad_chunk_extension, "bad chunk extension after a quoted value");
      }
      return true;
    case phase::ext_quoted_pair:
      // RFC 9110 §5.6.4: quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ).
      if (c == '\t' || (c >= 0x20 && c != 0x7f)) {
        phase_ = phase::ext_quoted;
        return true;
      }
      return fail(http_errc::bad_chunk_extension, "bad quoted-pair in chunk extension");
    case phase::size_lf:
      if (c != '\n') return fail(http_errc::bad_chunk_size, "chunk line not ended by CRLF");
      end_chunk_line();
      return true;
    default:
      return false;
  }
}

void http_chunked_scanner::end_chunk_line() {
  if (chunk_size_ == 0) {
    phase_ = phase::trailer_start;  // RFC 9112 §7.1: last-chunk, then the trailer section
    return;
  }
  data_size_ += chunk_size_;
  remaining_ = chunk_size_;
  phase_ = phase::data;
}

bool http_chunked_scanner::on_trailer_byte(unsigned char c) {
  if (++trailer_bytes_ > max_trailer_)
    return fail(http_errc::trailer_section_too_large, "trailer section too large");
  switch (phase_) {
    case phase::trailer_start:
      if (c == '\r') {
        phase_ = phase::final_lf;
        return true;
      }
      if (is_bws(c)) return fail(http_errc::obs_fold, "folded trailer line (obs-fold)");
      if (!is_tchar(c)) return fail(http_errc::bad_trailer, "bad character in trailer name");
      if (++trailer_fields_ > max_trailer_fields_)
        return fail(http_errc::trailer_section_too_large, "too many trailer fields");
      phase_ = phase::trailer_name;
      return true;
    case phase::trailer_name:
      if (is_tchar(c)) return true;
      if (c == ':') {
        phase_ = phase::trailer_value;
        return true;
      }
      if (is_bws(c))
        return fail(http_errc::space_before_colon, "whitespace between trailer name and colon");
      return fail(http_errc::bad_trailer, "bad character in trailer name");
    case phase::trailer_value:
      if (c == '\r') {
        phase_ = phase::trailer_lf;
        return true;
      }
      if (is_field_value_char(c)) return true;
      return fail(http_errc::bad_trailer, "control character in trailer value");
    case phase::trailer_lf:
      if (c != '\n') return fail(http_errc::bare_cr, "CR not followed by LF in the trailers");
      phase_ = phase::trailer_start;
      return true;
    case phase::final_lf:
      if (c != '\n') return fail(http_errc::bare_cr, "CR not followed by LF after the trailers");
      phase_ = phase::done;
      return true;
    default:
      return false;
  }
}

}  // namespace hamesh::proxy::http
