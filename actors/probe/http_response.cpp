#include "actors/probe/http_response.hpp"

#include <limits>

#include "runtime/http_syntax.hpp"

namespace hamesh::probe {
namespace {

// A chunk-size line is a hex number and extensions nobody needs; bounded so that a server
// cannot make the parser buffer forever without sending data.
constexpr size_t max_chunk_size_line = 4096;

// Control characters other than HTAB never appear in a field value or a reason phrase
// (RFC 9110 §5.5); obs-text (0x80-0xff) does and is kept.
bool has_control(std::string_view text) {
  for (unsigned char c : text)
    if (!is_field_value_char(c)) return true;
  return false;
}

// A field line (header or trailer): "name: value". Returns the reason it is malformed, or
// an empty string. RFC 9112 §5.1: no whitespace between the name and the colon.
std::string split_field_line(std::string_view line, std::string_view& name,
                             std::string_view& value) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return "header line without a colon";
  name = line.substr(0, colon);
  if (name.empty()) return "header line with an empty name";
  for (unsigned char c : name)
    if (!is_tchar(c)) return "bad character in header name";
  value = trim_ows(line.substr(colon + 1));
  if (has_control(value)) return "control character in header value";
  return {};
}

// Content-Length: one or more comma-separated decimal numbers that must all agree
// (RFC 9110 §8.6 allows a recipient to accept a repeated identical value).
bool parse_content_length(std::string_view value, bool& have, uint64_t& length, std::string& why) {
  size_t pos = 0;
  while (true) {
    size_t comma = value.find(',', pos);
    std::string_view item =
        trim_ows(value.substr(pos, comma == std::string_view::npos ? value.npos : comma - pos));
    if (item.empty()) {
      why = "bad Content-Length";
      return false;
    }
    uint64_t n = 0;
    for (char c : item) {
      if (c < '0' || c > '9') {
        why = "bad Content-Length";
        return false;
      }
      if (n > (std::numeric_limits<uint64_t>::max() - uint64_t(c - '0')) / 10) {
        why = "Content-Length too large";
        return false;
      }
      n = n * 10 + uint64_t(c - '0');
    }
    if (have && n != length) {
      why = "conflicting Content-Length";
      return false;
    }
    have = true;
    length = n;
    if (comma == std::string_view::npos) return true;
    pos = comma + 1;
  }
}

}  // namespace

const char* to_string(http_response_parser::state s) {
  switch (s) {
    case http_response_parser::state::need_more:
      return "need_more";
    case http_response_parser::state::complete:
      return "complete";
    case http_response_parser::state::error:
      return "error";
  }
  return "?";
}

http_response_parser::http_response_parser(bool want_body, http_response_limits limits)
    : want_body_(want_body), limits_(limits) {}

const std::string* http_response_parser::header(std::string_view name) const {
  for (const auto& h : headers_)
    if (iequals(h.first, name)) return &h.second;
  return nullptr;
}

void http_response_parser::fail(std::string why) {
  state_ = state::error;
  error_ = std::move(why);
}

void http_response_parser::complete() {
  phase_ = phase::done;
  state_ = state::complete;
}

http_response_parser::state http_response_parser::feed(std::string_view bytes) {
  while (state_ == state::need_more && !bytes.empty()) {
    if (phase_ == phase::body_by_length || phase_ == phase::chunk_data ||
        phase_ == phase::body_until_close) {
      bytes.remove_prefix(take_body(bytes));
      continue;
    }
    // Line-based phases. A line ends at LF; a CR before it is dropped (RFC 9112 §2.2 lets a
    // recipient accept a bare LF, which some embedded servers send).
    size_t lf = bytes.find('\n');
    size_t take = lf == std::string_view::npos ? bytes.size() : lf;
    size_t with_terminator = line_.size() + take + (lf == std::string_view::npos ? 0 : 1);
    if (!line_fits(with_terminator)) break;
    line_.append(bytes.data(), take);
    bytes.remove_prefix(take);
    if (lf == std::string_view::npos) break;
    bytes.remove_prefix(1);
    if (phase_ == phase::status_line || phase_ == phase::headers) head_bytes_ += line_.size() + 1;
    if (phase_ == phase::trailers) trailer_bytes_ += line_.size() + 1;
    std::string line = std::move(line_);
    line_.clear();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    on_line(line);
  }
  return state_;
}

// The limits on a line depend on where it is; checked before buffering, so a peer cannot
// make the parser hold more than the limit whatever the chunking.
bool http_response_parser::line_fits(size_t length) {
  switch (phase_) {
    case phase::status_line:
    case phase::headers:
      if (head_bytes_ + length <= limits_.max_head) return true;
      fail("response head larger than " + std::to_string(limits_.max_head) + " bytes");
      return false;
    case phase::trailers:
      if (trailer_bytes_ + length <= limits_.max_trailer) return true;
      fail("trailers larger than " + std::to_string(limits_.max_trailer) + " bytes");
      return false;
    case phase::chunk_size:
      if (length <= max_chunk_size_line) return true;
      fail("chunk size line longer than " + std::to_string(max_chunk_size_line) + " bytes");
      return false;
    case phase::chunk_data_end:
      // Only CRLF (or LF) may follow chunk data.
      if (length <= 2) return true;
      fail("missing CRLF after chunk data");
      return false;
    default:
      return true;
  }
}

void http_response_parser::on_line(std::string_view line) {
  if (line.find('\r') != std::string_view::npos) return fail("bare CR inside a line");
  switch (phase_) {
    case phase::status_line:
      // RFC 9112 §2.2: empty lines before the message are ignored (bounded by max_head).
      if (!line.empty()) on_status_line(line);
      return;
    case phase::headers:
      return on_header_line(line);
    case phase::chunk_size:
      return on_chunk_size_line(line);
    case phase::chunk_data_end:
      return on_chunk_data_end_line(line);
    case phase::trailers:
      return on_trailer_line(line);
    default:
      return;
  }
}

void http_response_parser::on_status_line(std::string_view line) {
  // RFC 9112 §4: HTTP-version SP 3DIGIT SP [ reason-phrase ]. A missing SP before an empty
  // reason is accepted: servers that send "HTTP/1.1 200" exist and are healthy.
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[7] < '0' || line[7] > '9' ||
      line[8] != ' ')
    return fail("bad status line (expected \"HTTP/1.x NNN reason\")");
  int code = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return fail("bad status code");
    code = code * 10 + (line[i] - '0');
  }
  if (code < 100 || code > 599)
    return fail("status code " + std::to_string(code) + " out of range");
  if (line.size() > 12 && line[12] != ' ') return fail("bad status code");
  std::string_view reason = line.size() > 13 ? line.substr(13) : std::string_view{};
  if (has_control(reason)) return fail("control character in reason phrase");
  status_ = code;
  minor_version_ = line[7] - '0';
  reason_.assign(reason.data(), reason.size());
  headers_.clear();
  phase_ = phase::headers;
}

void http_response_parser::on_header_line(std::string_view line) {
  if (line.empty()) return on_head_end();
  if (is_ows(line.front())) {
    // RFC 9112 §5.2: a user agent replaces obs-fold with SP.
    if (headers_.empty()) return fail("continuation line before any header");
    std::string_view more = trim_ows(line);
    if (has_control(more)) return fail("control character in header value");
    auto& value = headers_.back().second;
    if (!more.empty()) {
      if (!value.empty()) value += ' ';
      value.append(more.data(), more.size());
    }
    return;
  }
  std::string_view name, value;
  std::string why = split_field_line(line, name, value);
  if (!why.empty()) return fail(why);
  headers_.emplace_back(std::string(name), std::string(value));
}

void http_response_parser::on_head_end() {
  // RFC 9110 §15.2: interim responses come before the final one; a client skips them.
  if (status_ >= 100 && status_ < 200 && status_ != 101) {
    phase_ = phase::status_line;
    return;
  }
  // RFC 9112 §6.3 item 1: these never have a body, whatever the headers say.
  if (status_ == 101 || status_ == 204 || status_ == 304 || !want_body_) return complete();

  bool chunked = false, has_transfer_encoding = false, has_length = false;
  uint64_t length = 0;
  std::string why;
  for (const auto& h : headers_) {
    if (iequals(h.first, "Transfer-Encoding")) {
      has_transfer_encoding = true;
      // Only the last coding decides the framing (RFC 9112 §6.3 item 4).
      std::string_view v = h.second;
      size_t comma = v.rfind(',');
      std::string_view last = trim_ows(comma == v.npos ? v : v.substr(comma + 1));
      chunked = iequals(last, "chunked");
    } else if (iequals(h.first, "Content-Length")) {
      if (!parse_content_length(h.second, has_length, length, why)) return fail(why);
    }
  }
  if (has_transfer_encoding) {
    // Transfer-Encoding overrides Content-Length (RFC 9112 §6.3 item 3).
    phase_ = chunked ? phase::chunk_size : phase::body_until_close;
    return;
  }
  if (has_length) {
    if (length > limits_.max_body)
      return fail("body of " + std::to_string(length) + " bytes is larger than the " +
                  std::to_string(limits_.max_body) + " byte limit");
    if (length == 0) return complete();
    remaining_ = length;
    phase_ = phase::body_by_length;
    return;
  }
  phase_ = phase::body_until_close;
}

void http_response_parser::on_chunk_size_line(std::string_view line) {
  // RFC 9112 §7.1: chunk-size [ chunk-ext ] CRLF.
  uint64_t size = 0;
  size_t i = 0;
  for (; i < line.size(); ++i) {
    char c = line[i];
    int digit;
    if (c >= '0' && c <= '9')
      digit = c - '0';
    else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
      digit = (c | 0x20) - 'a' + 10;
    else
      break;
    if (size > (std::numeric_limits<uint64_t>::max() >> 4)) return fail("chunk size too large");
    size = size << 4 | uint64_t(digit);
  }
  if (i == 0) return fail("bad chunk size (not hex)");
  std::string_view rest = trim_ows(line.substr(i));
  if (!rest.empty() && rest.front() != ';') return fail("bad chunk size (not hex)");
  if (has_control(rest)) return fail("control character in chunk extension");
  if (size == 0) {
    phase_ = phase::trailers;
    return;
  }
  if (size > limits_.max_body - body_.size())
    return fail("body larger than the " + std::to_string(limits_.max_body) + " byte limit");
  remaining_ = size;
  phase_ = phase::chunk_data;
}

void http_response_parser::on_chunk_data_end_line(std::string_view line) {
  if (!line.empty()) return fail("missing CRLF after chunk data");
  phase_ = phase::chunk_size;
}

void http_response_parser::on_trailer_line(std::string_view line) {
  if (line.empty()) return complete();
  if (is_ows(line.front())) {
    if (!trailer_seen_) return fail("continuation line before any trailer");
    if (has_control(line)) return fail("control character in trailer value");
    return;
  }
  std::string_view name, value;
  std::string why = split_field_line(line, name, value);
  if (!why.empty()) return fail("bad trailer: " + why);
  trailer_seen_ = true;
}

size_t http_response_parser::take_body(std::string_view bytes) {
  if (phase_ == phase::body_until_close) {
    append_body(bytes);
    return bytes.size();
  }
  size_t n = bytes.size() < remaining_ ? bytes.size() : static_cast<size_t>(remaining_);
  append_body(bytes.substr(0, n));
  remaining_ -= n;
  if (remaining_ == 0 && state_ == state::need_more) {
    if (phase_ == phase::body_by_length)
      complete();
    else
      phase_ = phase::chunk_data_end;
  }
  return n;
}

void http_response_parser::append_body(std::string_view bytes) {
  size_t room = limits_.max_body - body_.size();
  // What fits is kept either way, so the body on error does not depend on how reads split.
  body_.append(bytes.data(), bytes.size() < room ? bytes.size() : room);
  if (bytes.size() > room)
    fail("body larger than the " + std::to_string(limits_.max_body) + " byte limit");
}

http_response_parser::state http_response_parser::finish() {
  if (state_ != state::need_more) return state_;
  switch (phase_) {
    case phase::status_line:
      if (head_bytes_ == 0 && line_.empty()) {
        fail("connection closed before any response");
      } else {
        fail("connection closed inside the response head");
      }
      break;
    case phase::headers:
      fail("connection closed inside the response head");
      break;
    case phase::body_by_length:
      fail("connection closed with " + std::to_string(remaining_) + " body bytes missing");
      break;
    case phase::chunk_size:
    case phase::chunk_data:
    case phase::chunk_data_end:
      fail("connection closed inside the chunked body");
      break;
    case phase::trailers:
      // The last chunk arrived; a server that closes instead of sending the final empty line
      // has still sent the whole body.
      if (line_.empty())
        complete();
      else
        fail("connection closed inside the trailers");
      break;
    case phase::body_until_close:
      complete();
      break;
    case phase::done:
      break;
  }
  return state_;
}

}  // namespace hamesh::probe
