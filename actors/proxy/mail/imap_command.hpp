#pragma once
// One client command as the reader tokenized it (RFC 3501 §9): tag, command name, and the
// arguments as a flat list of tokens, strings already unquoted and literals already read. A
// command the grammar refuses still carries its tag when it had a valid one, so the answer
// can be a tagged BAD; without one it is an untagged BAD (RFC 3501 §7.1.3).
#include <string>
#include <vector>

#include "actors/proxy/mail/mail_errc.hpp"

namespace hamesh::proxy::mail {

struct imap_command {
  struct arg {
    enum class kind {
      atom,        // 1*ASTRING-CHAR as sent (NIL is the atom "NIL")
      string,      // a quoted string (unescaped) or a literal (its bytes)
      list_begin,  // "("
      list_end,    // ")"
    };
    kind what = kind::atom;
    std::string value;  // atom and string only
  };

  std::string tag;        // empty when the line had no valid tag
  std::string name;       // upper case
  std::vector<arg> args;  // after the name
  // reason none: a well-formed command. Otherwise missing_tag or bad_syntax, with the text
  // for the BAD answer.
  mail_error error;

  bool valid() const { return error.reason == mail_errc::none; }
};

}  // namespace hamesh::proxy::mail
