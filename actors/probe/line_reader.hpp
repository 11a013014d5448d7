#pragma once
// Lines out of a byte stream that arrives in pieces split anywhere (even between CR and LF),
// for the text protocols the mail checks speak. Pure; bounded by a line length limit so a
// peer that never sends a newline cannot make it buffer without end.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hamesh::probe {

class line_reader {
 public:
  enum class result { line, need_more, too_long };

  explicit line_reader(size_t max_line = 8192) : max_line_(max_line) {}

  void append(std::string_view bytes);

  // Takes the next complete line out of the buffer into `line`, without its CRLF (a bare LF
  // ends a line too: some servers send one). `too_long` when a line exceeds max_line bytes.
  result next_line(std::string& line);

  // Drops the next `count` bytes unread, those buffered first, then as they arrive (an IMAP
  // literal, RFC 3501 §4.3, whose content may hold anything, newlines included).
  void skip(uint64_t count);

  size_t max_line() const { return max_line_; }

 private:
  size_t max_line_;
  std::string buffer_;
  size_t start_ = 0;  // the first unread byte of buffer_
  uint64_t skip_ = 0;
};

}  // namespace hamesh::probe
