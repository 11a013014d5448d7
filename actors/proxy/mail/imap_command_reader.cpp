#include "actors/proxy/mail/imap_command_reader.hpp"

#include <cstring>
#include <optional>
#include <utility>

#include "actors/proxy/mail/imap_literal_marker.hpp"
#include "actors/proxy/mail/imap_syntax.hpp"
#include "actors/proxy/mail/mail_text.hpp"

namespace hamesh::proxy::mail {
namespace {

// Lists in a pre-login command are shallow (ID has one); deeper nesting is refused so that no
// input makes the tokenizer's work grow with nesting.
constexpr size_t max_list_depth = 8;

// The grammar of RFC 3501 §9 for what a client may send before login: tag SP name, then
// SP-separated arguments (atoms and astrings, quoted strings, literals, parenthesized lists).
// Text pieces alternate with literal pieces: a text piece other than the last ends with the
// literal's "{N}" / "{N+}", and the next piece holds its bytes.
class tokenizer {
 public:
  explicit tokenizer(const std::vector<std::string>& pieces) : pieces_(pieces) {}

  imap_command run() {
    imap_command c;
    size_t start = pos_;
    while (!at_text_end() && is_tag_char(uint8_t(text()[pos_]))) ++pos_;
    if (pos_ == start) return missing_tag(c, "Missing tag.");
    if (!at_text_end() && text()[pos_] != ' ') return missing_tag(c, "Invalid tag.");
    c.tag = std::string(text().substr(start, pos_ - start));
    if (at_end()) return bad(c, "Missing command.");
    if (at_text_end()) return bad(c, "Missing command.");  // the tag ends a literal's line
    ++pos_;                                                // SP
    start = pos_;
    while (!at_text_end() && is_atom_char(uint8_t(text()[pos_]))) ++pos_;
    if (pos_ == start) return bad(c, "Missing command.");
    c.name = ascii_upper(text().substr(start, pos_ - start));
    if (at_end()) return c;
    if (at_text_end() || text()[pos_] != ' ') return bad(c, "Invalid characters in command name.");
    ++pos_;
    return arguments(c);
  }

 private:
  std::string_view text() const { return pieces_[piece_]; }
  bool at_text_end() const { return pos_ >= pieces_[piece_].size(); }
  bool at_end() const { return piece_ + 1 >= pieces_.size() && at_text_end(); }

  static imap_command missing_tag(imap_command& c, const char* text) {
    c.tag.clear();
    c.error = {mail_errc::missing_tag, text};
    return std::move(c);
  }
  static imap_command bad(imap_command& c, std::string text) {
    c.error = {mail_errc::bad_syntax, std::move(text)};
    return std::move(c);
  }

  imap_command arguments(imap_command& c) {
    size_t depth = 0;
    for (;;) {
      // A token: after SP, or right after "(".
      if (at_end()) return bad(c, "Missing argument.");
      if (at_text_end()) return bad(c, "Invalid literal.");
      char ch = text()[pos_];
      if (ch == '(') {
        if (++depth > max_list_depth) return bad(c, "Lists nested too deeply.");
        ++pos_;
        c.args.push_back({imap_command::arg::kind::list_begin, {}});
        if (!at_text_end() && text()[pos_] == ')') {
          // "()": an empty list; the separator step below closes it.
        } else {
          continue;
        }
      } else if (ch == '"') {
        std::string value;
        if (!quoted(value)) return bad(c, "Invalid quoted string.");
        c.args.push_back({imap_command::arg::kind::string, std::move(value)});
      } else if (ch == '{') {
        std::string value;
        if (!literal(value)) return bad(c, "Invalid literal.");
        c.args.push_back({imap_command::arg::kind::string, std::move(value)});
      } else if (is_astring_char(uint8_t(ch))) {
        size_t start = pos_;
        while (!at_text_end() && is_astring_char(uint8_t(text()[pos_]))) ++pos_;
        c.args.push_back(
            {imap_command::arg::kind::atom, std::string(text().substr(start, pos_ - start))});
      } else {
        return bad(c, "Invalid characters in arguments.");
      }
      // What may follow a token: the end, ")" (closing lists), or SP and another token.
      for (;;) {
        if (at_end()) {
          if (depth > 0) return bad(c, "Missing ')'.");
          return std::move(c);
        }
        if (at_text_end()) return bad(c, "Invalid literal.");
        ch = text()[pos_];
        if (ch == ')') {
          if (depth == 0) return bad(c, "Unexpected ')'.");
          --depth;
          ++pos_;
          c.args.push_back({imap_command::arg::kind::list_end, {}});
          continue;
        }
        if (ch != ' ') return bad(c, "Missing space between arguments.");
        ++pos_;
        break;
      }
    }
  }

  // RFC 3501 §9 quoted: DQUOTE *QUOTED-CHAR DQUOTE, "\" escaping only DQUOTE and "\". 8-bit
  // bytes are accepted (IMAP4rev2, RFC 9051, allows UTF-8 there, and clients send UTF-8
  // passwords so); NUL and other CTLs are not.
  bool quoted(std::string& value) {
    ++pos_;
    while (!at_text_end()) {
      unsigned char ch = uint8_t(text()[pos_++]);
      if (ch == '"') return true;
      if (ch == '\\') {
        if (at_text_end()) return false;
        ch = uint8_t(text()[pos_++]);
        if (ch != '"' && ch != '\\') return false;
      } else if (ch < 0x20 || ch == 0x7f) {
        return false;
      }
      value += char(ch);
    }
    return false;  // quoted strings do not span lines
  }

  // "{N}" / "{N+}" ending this text piece; the next piece holds the N bytes the reader read.
  bool literal(std::string& value) {
    std::optional<imap_literal_marker> m = find_trailing_literal(text());
    // The marker must start here: nothing between this "{" and the end of the piece but it.
    if (!m || m->open != pos_ || piece_ + 2 >= pieces_.size()) return false;
    const std::string& bytes = pieces_[piece_ + 1];
    if (bytes.find('\0') != std::string::npos) return false;  // CHAR8 is %x01-ff
    value = bytes;
    piece_ += 2;
    pos_ = 0;
    return true;
  }

  const std::vector<std::string>& pieces_;
  size_t piece_ = 0;
  size_t pos_ = 0;
};

}  // namespace

imap_command_reader::imap_command_reader(const mail_limits& limits, size_t max_non_sync_literal)
    : limits_(limits), max_non_sync_literal_(max_non_sync_literal), raw_lines_(limits.max_line) {}

void imap_command_reader::start_command() {
  pieces_.assign(1, std::string());
  text_bytes_ = 0;
  literal_left_ = 0;
  literals_ = 0;
  finished_ = false;
}

void imap_command_reader::expect_line() {
  if (phase_ == phase::failed) return;
  if (finished_) start_command();
  raw_lines_.reset();
  phase_ = phase::raw_line;
}

void imap_command_reader::refuse_literal() {
  if (phase_ != phase::literal && phase_ != phase::text) return;
  phase_ = phase::text;
  finished_ = true;
}

bool imap_command_reader::partial() const {
  if (phase_ == phase::raw_line) return raw_lines_.partial();
  if (finished_) return false;
  return pieces_.size() > 1 || !pieces_.front().empty();
}

std::string imap_command_reader::pending_tag() const {
  std::string_view first = pieces_.front();
  size_t space = first.find(' ');
  if (space == std::string_view::npos || !is_imap_tag(first.substr(0, space))) return {};
  return std::string(first.substr(0, space));
}

std::string imap_command_reader::pending_name() const {
  std::string_view first = pieces_.front();
  size_t space = first.find(' ');
  if (space == std::string_view::npos || !is_imap_tag(first.substr(0, space))) return {};
  std::string_view rest = first.substr(space + 1);
  size_t end = 0;
  while (end < rest.size() && is_atom_char(uint8_t(rest[end]))) ++end;
  return ascii_upper(rest.substr(0, end));
}

imap_command_reader::status imap_command_reader::fail(mail_errc reason, std::string text) {
  phase_ = phase::failed;
  error_ = {reason, std::move(text)};
  return status::fatal;
}

imap_command_reader::status imap_command_reader::next(std::string_view& input) {
  if (phase_ == phase::failed) return status::fatal;
  if (finished_) start_command();
  for (;;) {
    switch (phase_) {
      case phase::failed:
        return status::fatal;
      case phase::raw_line:
        switch (raw_lines_.next(input)) {
          case mail_line_reader::status::line:
            phase_ = phase::text;
            return status::line;
          case mail_line_reader::status::need_more:
            return status::need_more;
          case mail_line_reader::status::too_long:
            return fail(mail_errc::line_too_long,
                        "line longer than " + std::to_string(limits_.max_line) + " bytes");
        }
        return status::fatal;
      case phase::literal: {
        size_t n = input.size() < literal_left_ ? input.size() : size_t(literal_left_);
        pieces_.back().append(input.data(), n);
        input.remove_prefix(n);
        literal_left_ -= n;
        if (literal_left_ > 0) return status::need_more;
        phase_ = phase::text;
        pieces_.emplace_back();
        continue;
      }
      case phase::text: {
        status s = read_text(input);
        if (s != status::need_more || input.empty()) return s;
        continue;  // a non-synchronising literal starts: read it on
      }
    }
  }
}

imap_command_reader::status imap_command_reader::read_text(std::string_view& input) {
  std::string& current = pieces_.back();
  const void* found = input.empty() ? nullptr : std::memchr(input.data(), '\n', input.size());
  size_t lf = found ? size_t(static_cast<const char*>(found) - input.data()) : input.size();
  std::string_view chunk = input.substr(0, lf);
  // A CR at the end of what we have may be the first half of a CRLF: it does not count.
  bool trailing_cr =
      !chunk.empty() ? chunk.back() == '\r' : (!current.empty() && current.back() == '\r');
  size_t length = text_bytes_ + current.size() + chunk.size() - (trailing_cr ? 1 : 0);
  if (length > limits_.max_line)
    return fail(mail_errc::line_too_long,
                "command longer than " + std::to_string(limits_.max_line) + " bytes");
  current.append(chunk.data(), chunk.size());
  if (!found) {
    input.remove_prefix(input.size());
    return status::need_more;
  }
  input.remove_prefix(lf + 1);
  if (!current.empty() && current.back() == '\r') current.pop_back();
  text_bytes_ += current.size();
  return on_line_end();
}

imap_command_reader::status imap_command_reader::on_line_end() {
  std::optional<imap_literal_marker> m = find_trailing_literal(pieces_.back());
  if (!m) {
    command_ = tokenizer(pieces_).run();
    finished_ = true;
    return status::command;
  }
  bool too_many = ++literals_ > limits_.max_command_literals;
  if (m->synchronizing) {
    if (too_many || m->size > limits_.max_literal) {
      error_ = too_many ? mail_error{mail_errc::too_many_literals,
                                     "more than " + std::to_string(limits_.max_command_literals) +
                                         " literals in one command"}
                        : mail_error{mail_errc::literal_too_large,
                                     "literal of " + std::to_string(m->size) + " bytes, over " +
                                         std::to_string(limits_.max_literal)};
      finished_ = true;  // the client sends nothing more of this command
      return status::literal_refused;
    }
  } else if (too_many) {
    return fail(
        mail_errc::too_many_literals,
        "more than " + std::to_string(limits_.max_command_literals) + " literals in one command");
  } else if (m->size > max_non_sync_literal_) {
    return fail(mail_errc::literal_too_large, "non-synchronising literal of " +
                                                  std::to_string(m->size) + " bytes, over " +
                                                  std::to_string(max_non_sync_literal_));
  }
  phase_ = phase::literal;
  literal_left_ = m->size;
  pieces_.emplace_back();
  if (literal_left_ == 0) {
    phase_ = phase::text;
    pieces_.emplace_back();
  }
  return m->synchronizing ? status::continuation : status::need_more;
}

}  // namespace hamesh::proxy::mail
