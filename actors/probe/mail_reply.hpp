#pragma once
// Replies of the three mail protocols the probe speaks, read incrementally (pure): SMTP
// replies (RFC 5321 §4.2), IMAP responses (RFC 3501 §7) and POP3 status lines (RFC 1939 §3).
// The three readers live together because they are one idea in three dialects: each wraps a
// line_reader, answers need_more / complete / error the same way, and the mail checks use
// them side by side. A negative reply (SMTP 554, IMAP NO, POP3 -ERR) is a complete reply;
// `error` means the bytes are not the protocol at all.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "actors/probe/line_reader.hpp"

namespace hamesh::probe {

enum class reply_state { need_more, complete, error };
const char* to_string(reply_state s);

struct smtp_reply {
  int code = 0;
  std::vector<std::string> lines;  // the text of each line, after the code and separator
  // "220 mail.example ESMTP": the code and the lines joined by spaces, for a check's detail.
  std::string summary() const;
};

class smtp_reply_reader {
 public:
  static constexpr size_t max_lines = 256;  // a multi-line reply longer than this is refused

  explicit smtp_reply_reader(size_t max_line = 8192) : lines_(max_line) {}

  // Bytes that arrive after a complete reply are kept for the next one.
  reply_state feed(std::string_view bytes);
  // Forgets the complete reply and reads the next one from bytes already received.
  reply_state next();

  reply_state state() const { return state_; }
  const smtp_reply& reply() const { return reply_; }  // complete once state() is
  const std::string& error() const { return error_; }

 private:
  reply_state parse();

  line_reader lines_;
  reply_state state_ = reply_state::need_more;
  smtp_reply reply_;
  std::string error_;
};

struct imap_response {
  std::string tag;              // "*" for an untagged response
  std::string condition;        // upper case: OK, NO, BAD, BYE or PREAUTH
  std::string text;             // what follows the condition (response code included)
  std::string summary() const;  // "a1 NO [AUTHENTICATIONFAILED] bad password"
};

// Waits either for the server greeting or for the tagged completion of one command,
// skipping the untagged data in between (CAPABILITY, literals included).
class imap_response_reader {
 public:
  explicit imap_response_reader(size_t max_line = 8192) : lines_(max_line) {}

  // What the next complete response is: the greeting (an untagged OK, PREAUTH or BYE), or
  // the completion of command `tag` (its tagged OK, NO or BAD, or an untagged BYE: the
  // server is going away). Keeps bytes already received; the greeting is expected first.
  reply_state expect_greeting();
  reply_state expect_tagged(std::string tag);

  reply_state feed(std::string_view bytes);

  reply_state state() const { return state_; }
  const imap_response& response() const { return response_; }
  const std::string& error() const { return error_; }

 private:
  reply_state parse();
  void on_line(const std::string& line);

  line_reader lines_;
  std::string tag_;                       // empty: the greeting
  bool inside_literal_response_ = false;  // the next line continues a response after a literal
  reply_state state_ = reply_state::need_more;
  imap_response response_;
  std::string error_;
};

struct pop3_reply {
  bool ok = false;              // +OK or -ERR
  std::string text;             // after the status indicator
  std::string summary() const;  // "+OK ready" / "-ERR invalid password"
};

class pop3_reply_reader {
 public:
  explicit pop3_reply_reader(size_t max_line = 8192) : lines_(max_line) {}

  reply_state feed(std::string_view bytes);
  reply_state next();

  reply_state state() const { return state_; }
  const pop3_reply& reply() const { return reply_; }
  const std::string& error() const { return error_; }

 private:
  reply_state parse();

  line_reader lines_;
  reply_state state_ = reply_state::need_more;
  pop3_reply reply_;
  std::string error_;
};

}  // namespace hamesh::probe
