#pragma once
// Lines out of a byte stream cut anywhere (even between CR and LF), bounded: the POP3
// commands of a client, the SASL responses of both protocols, and the backends' replies.
// It takes bytes off the front of the caller's input only up to the end of one line, so what
// follows a line stays with the caller (a pipelined command, bytes after STLS that must be
// dropped, or the first bytes to splice after a login). CRLF ends a line; a bare LF does too
// (telnet users and some servers send one); a CR elsewhere is part of the line, for the
// caller's grammar to refuse.
#include <cstddef>
#include <string>
#include <string_view>

namespace hamesh::proxy::mail {

class mail_line_reader {
 public:
  enum class status {
    line,       // a complete line: see line()
    need_more,  // all of the input is taken and no line ended
    too_long,   // the line is longer than max_line (sticky until reset())
  };

  explicit mail_line_reader(size_t max_line);

  status next(std::string_view& input);

  // The last complete line without its CRLF; valid until the next call of next().
  const std::string& line() const { return line_; }
  // Whether part of a line has been read (bytes wait for their LF).
  bool partial() const { return !line_complete_ && !line_.empty(); }
  size_t max_line() const { return max_line_; }

  void reset();

 private:
  size_t max_line_;
  std::string line_;
  bool line_complete_ = false;  // line_ holds the last line returned; clear it first
  bool too_long_ = false;
};

}  // namespace hamesh::proxy::mail
