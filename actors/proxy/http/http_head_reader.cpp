#include "actors/proxy/http/http_head_reader.hpp"

#include <utility>

#include "runtime/http_syntax.hpp"

namespace hamesh::proxy::http {

http_head_reader::http_head_reader(http_head_limits limits) : limits_(limits) {}

void http_head_reader::reset() {
  status_ = status::need_more;
  raw_.clear();
  head_bytes_ = 0;
  line_start_ = 0;
  start_line_end_ = 0;
  have_start_line_ = false;
  after_cr_ = false;
  empty_lines_ = 0;
  start_line_spaces_ = 0;
  target_bytes_ = 0;
  headers_.clear();
  error_ = {};
}

std::string_view http_head_reader::start_line() const {
  return std::string_view(raw_).substr(0, start_line_end_);
}

void http_head_reader::fail(http_errc reason, std::string text) {
  status_ = status::error;
  error_ = {reason, std::move(text)};
}

http_head_reader::status http_head_reader::feed(std::string_view& input) {
  size_t i = 0;
  while (i < input.size() && status_ == status::need_more) on_byte(input[i++]);
  input.remove_prefix(i);
  return status_;
}

void http_head_reader::on_byte(char c) {
  if (++head_bytes_ > limits_.max_head)
    return fail(http_errc::header_section_too_large,
                "head larger than " + std::to_string(limits_.max_head) + " bytes");
  if (after_cr_) {
    after_cr_ = false;
    if (c != '\n') return fail(http_errc::bare_cr, "CR not followed by LF in the head");
    raw_ += c;
    return on_line_end();
  }
  if (c == '\r') {
    after_cr_ = true;
    raw_ += c;
    return;
  }
  if (c == '\n') return fail(http_errc::bare_lf, "LF without CR in the head");
  if (c == '\0') return fail(http_errc::nul_byte, "NUL in the head");
  raw_ += c;
  if (have_start_line_) return;
  // The request target's length is checked as it grows, not once the line is complete, so
  // that a long target is a 414 even when it would also overflow the head.
  if (c == ' ') {
    ++start_line_spaces_;
  } else if (start_line_spaces_ == 1 && limits_.max_target != 0 &&
             ++target_bytes_ > limits_.max_target) {
    fail(http_errc::target_too_long,
         "request target longer than " + std::to_string(limits_.max_target) + " bytes");
  }
}

void http_head_reader::on_line_end() {
  // raw_ ends with the line's CRLF.
  std::string_view line = std::string_view(raw_).substr(line_start_, raw_.size() - 2 - line_start_);
  if (!have_start_line_) {
    if (line.empty()) {
      // RFC 9112 §2.2: empty lines before the start line are ignored; bounded.
      if (++empty_lines_ > limits_.max_empty_lines)
        return fail(http_errc::too_many_empty_lines, "too many empty lines before the start line");
      raw_.clear();
      return;
    }
    have_start_line_ = true;
    start_line_end_ = raw_.size() - 2;
    line_start_ = raw_.size();
    return;
  }
  if (line.empty()) {
    status_ = status::complete;
    return;
  }
  on_field_line(line);
  line_start_ = raw_.size();
}

void http_head_reader::on_field_line(std::string_view line) {
  // RFC 9112 §5.2: obs-fold is rejected (a proxy may not forward it, and we do not rewrite).
  // This also covers whitespace between the start line and the first field (§2.2).
  if (is_ows(line.front())) return fail(http_errc::obs_fold, "folded header line (obs-fold)");
  size_t colon = line.find(':');
  if (colon == std::string_view::npos)
    return fail(http_errc::bad_header_line, "header line without a colon");
  std::string_view name = line.substr(0, colon);
  if (name.empty()) return fail(http_errc::bad_header_line, "header line with an empty name");
  if (is_ows(name.back()))
    return fail(http_errc::space_before_colon, "whitespace between header name and colon");
  if (!is_token(name)) return fail(http_errc::bad_header_name, "bad character in header name");
  std::string_view value = trim_ows(line.substr(colon + 1));
  for (unsigned char c : value)
    if (!is_field_value_char(c))
      return fail(http_errc::control_character, "control character in header value");
  if (headers_.size() >= limits_.max_fields)
    return fail(http_errc::too_many_headers,
                "more than " + std::to_string(limits_.max_fields) + " header fields");
  headers_.add(std::string(name), std::string(value));
}

}  // namespace hamesh::proxy::http
