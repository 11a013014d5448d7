#pragma once
// IMAP commands out of a client's byte stream (RFC 3501 §2.2, §4.3, §9), incremental and
// total: lines and literals as they arrive, in pieces cut anywhere, tokenized into an
// imap_command once the command's last line ends.
//
// Literals are where a reader decides something before it has the bytes:
// - "{N}" (synchronising): within the limits the reader asks for a continuation ("+ OK",
//   RFC 3501 §7.5) and reads N bytes; over them it answers literal_refused and the client,
//   which waits for the continuation, sends none of it: the next bytes are a new command.
// - "{N+}" (non-synchronising, RFC 7888): the bytes are already on the way. Within the
//   limits they are read; over them the reader stops for good (fatal) and the connection is
//   closed after a tagged BAD [TOOBIG]. Skipping N bytes is the other choice RFC 7888 leaves;
//   closing is ours: nothing of a literal must ever be read as a command, and a client that
//   sends an oversized literal before login is broken or hostile.
//
// The reader never reads past the end of a command (or of a line in line mode): what follows
// stays in the caller's input, so a caller can stop between commands (a pending login) or
// drop the rest (bytes after STARTTLS, RFC 2595 §3.1 and the CVE-2011-0411 injection).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/proxy/mail/imap_command.hpp"
#include "actors/proxy/mail/mail_errc.hpp"
#include "actors/proxy/mail/mail_limits.hpp"
#include "actors/proxy/mail/mail_line_reader.hpp"

namespace hamesh::proxy::mail {

class imap_command_reader {
 public:
  enum class status {
    need_more,        // all of the input is taken; no command or line ended
    command,          // a complete command: see command()
    continuation,     // a synchronising literal is accepted: send "+ OK" and feed on
    literal_refused,  // a synchronising literal over a limit: answer pending_tag() BAD [TOOBIG]
    line,             // after expect_line(): one raw line, see line()
    fatal,            // line too long, or a non-synchronising literal over a limit: see error()
  };

  // `max_non_sync_literal`: the largest "{N+}" accepted (max_literal with LITERAL+, at most
  // 4096 with LITERAL-, RFC 7888).
  imap_command_reader(const mail_limits& limits, size_t max_non_sync_literal);

  // Takes bytes off the front of `input` up to the end of one command (or line) at most.
  status next(std::string_view& input);

  // The next thing read is one raw line, not a command: a SASL response (RFC 3501 §6.2.2).
  void expect_line();
  // Right after `continuation`, instead of sending "+ OK": the command ends here (answer it
  // with a tagged NO or BAD); the client, waiting for the continuation, sends none of the
  // literal, so the next bytes are a new command.
  void refuse_literal();

  // Valid after `command`, until the next call of next().
  const imap_command& command() const { return command_; }
  // Valid after `line` (without its CRLF), until the next call of next().
  const std::string& line() const { return raw_lines_.line(); }
  // The tag of the command being read, for answering literal_refused and fatal; empty when
  // its first line does not start with a valid tag and a space.
  std::string pending_tag() const;
  // The name of the command being read, upper case, when its tag is valid; else empty.
  std::string pending_name() const;
  // Why literal_refused or fatal.
  const mail_error& error() const { return error_; }
  // Whether part of a command or line has been read.
  bool partial() const;

 private:
  enum class phase { text, literal, raw_line, failed };

  status read_text(std::string_view& input);
  status on_line_end();
  void start_command();
  status fail(mail_errc reason, std::string text);

  mail_limits limits_;
  size_t max_non_sync_literal_;
  phase phase_ = phase::text;
  // The command so far: text, literal, text, literal, ..., text (the line being read).
  std::vector<std::string> pieces_{std::string()};
  size_t text_bytes_ = 0;  // bytes of the command's finished lines, CRLFs excluded
  uint64_t literal_left_ = 0;
  size_t literals_ = 0;
  bool finished_ = false;  // pieces_ hold a command already answered: start afresh
  mail_line_reader raw_lines_;
  imap_command command_;
  mail_error error_;
};

}  // namespace hamesh::proxy::mail
