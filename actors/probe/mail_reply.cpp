#include "actors/probe/mail_reply.hpp"

namespace hamesh::probe {
namespace {

// What a server said, fit for a log line: at most 80 characters, control bytes masked.
std::string excerpt(std::string_view line) {
  constexpr size_t limit = 80;
  std::string out;
  for (size_t i = 0; i < line.size() && i < limit; ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  if (line.size() > limit) out += "...";
  return out;
}

std::string too_long(size_t max_line) {
  return "line longer than " + std::to_string(max_line) + " bytes";
}

std::string upper(std::string_view word) {
  std::string out(word);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

// RFC 3501 §4.3: a line that ends in {n} (or {n+}, RFC 7888) is followed by n bytes of data.
bool trailing_literal(std::string_view line, uint64_t& size) {
  if (line.empty() || line.back() != '}') return false;
  size_t open = line.rfind('{');
  if (open == std::string_view::npos) return false;
  std::string_view digits = line.substr(open + 1, line.size() - open - 2);
  if (!digits.empty() && digits.back() == '+') digits.remove_suffix(1);
  if (digits.empty() || digits.size() > 18) return false;  // 18 digits cannot overflow
  uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + uint64_t(c - '0');
  }
  size = n;
  return true;
}

}  // namespace

const char* to_string(reply_state s) {
  switch (s) {
    case reply_state::need_more:
      return "need_more";
    case reply_state::complete:
      return "complete";
    case reply_state::error:
      return "error";
  }
  return "?";
}

// --- SMTP ---------------------------------------------------------------------------------

std::string smtp_reply::summary() const {
  std::string out = std::to_string(code);
  for (const auto& l : lines) {
    out += ' ';
    out += excerpt(l);
  }
  return out;
}

reply_state smtp_reply_reader::feed(std::string_view bytes) {
  if (state_ == reply_state::error) return state_;
  lines_.append(bytes);  // after a complete reply too: kept for the next one
  return state_ == reply_state::need_more ? parse() : state_;
}

reply_state smtp_reply_reader::next() {
  if (state_ == reply_state::error) return state_;
  state_ = reply_state::need_more;
  reply_ = {};
  return parse();
}

reply_state smtp_reply_reader::parse() {
  std::string line;
  while (state_ == reply_state::need_more) {
    auto r = lines_.next_line(line);
    if (r == line_reader::result::need_more) break;
    if (r == line_reader::result::too_long) {
      state_ = reply_state::error;
      error_ = too_long(lines_.max_line());
      break;
    }
    // RFC 5321 §4.2: Reply-code [ SP textstring ] CRLF on the last line, Reply-code "-"
    // textstring on the others; every line of one reply carries the same code.
    bool shaped = line.size() >= 3 && line[0] >= '1' && line[0] <= '5' && line[1] >= '0' &&
                  line[1] <= '9' && line[2] >= '0' && line[2] <= '9' &&
                  (line.size() == 3 || line[3] == ' ' || line[3] == '-');
    if (!shaped) {
      state_ = reply_state::error;
      error_ = "not an SMTP reply: " + excerpt(line);
      break;
    }
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (!reply_.lines.empty() && code != reply_.code) {
      state_ = reply_state::error;
      error_ = "reply code changed from " + std::to_string(reply_.code) + " to " +
               std::to_string(code) + " inside a multi-line reply";
      break;
    }
    if (reply_.lines.size() == max_lines) {
      state_ = reply_state::error;
      error_ = "reply longer than " + std::to_string(max_lines) + " lines";
      break;
    }
    reply_.code = code;
    reply_.lines.push_back(line.size() > 4 ? line.substr(4) : std::string{});
    if (line.size() == 3 || line[3] == ' ') state_ = reply_state::complete;
  }
  return state_;
}

// --- IMAP ---------------------------------------------------------------------------------

std::string imap_response::summary() const {
  std::string out = tag + " " + condition;
  if (!text.empty()) out += " " + excerpt(text);
  return out;
}

reply_state imap_response_reader::expect_greeting() {
  if (state_ == reply_state::error) return state_;
  tag_.clear();
  state_ = reply_state::need_more;
  response_ = {};
  return parse();
}

reply_state imap_response_reader::expect_tagged(std::string tag) {
  if (state_ == reply_state::error) return state_;
  tag_ = std::move(tag);
  state_ = reply_state::need_more;
  response_ = {};
  return parse();
}

reply_state imap_response_reader::feed(std::string_view bytes) {
  if (state_ == reply_state::error) return state_;
  lines_.append(bytes);  // after a complete reply too: kept for the next one
  return state_ == reply_state::need_more ? parse() : state_;
}

reply_state imap_response_reader::parse() {
  std::string line;
  while (state_ == reply_state::need_more) {
    auto r = lines_.next_line(line);
    if (r == line_reader::result::need_more) break;
    if (r == line_reader::result::too_long) {
      state_ = reply_state::error;
      error_ = too_long(lines_.max_line());
      break;
    }
    on_line(line);
  }
  return state_;
}

void imap_response_reader::on_line(const std::string& line) {
  uint64_t literal = 0;
  if (inside_literal_response_) {
    // The rest of a response that carried a literal: data, possibly with another literal.
    inside_literal_response_ = trailing_literal(line, literal);
    if (inside_literal_response_) lines_.skip(literal);
    return;
  }
  size_t space = line.find(' ');
  std::string_view tag = std::string_view(line).substr(0, space);
  if (space == std::string::npos || tag.empty() || tag == "+") {
    state_ = reply_state::error;
    error_ = (tag == "+" ? "unexpected continuation request: " : "not an IMAP response: ") +
             excerpt(line);
    return;
  }
  std::string_view rest = std::string_view(line).substr(space + 1);
  size_t word_end = rest.find(' ');
  std::string condition = upper(rest.substr(0, word_end));
  std::string_view text = word_end == std::string_view::npos ? "" : rest.substr(word_end + 1);
  auto answer = [&] {
    response_.tag = std::string(tag);
    response_.condition = condition;
    response_.text = std::string(text);
    state_ = reply_state::complete;
  };
  bool untagged = tag == "*";
  if (tag_.empty()) {
    // RFC 3501 §7.1: the greeting is an untagged OK, PREAUTH or BYE.
    if (untagged && (condition == "OK" || condition == "PREAUTH" || condition == "BYE"))
      return answer();
    state_ = reply_state::error;
    error_ = "not an IMAP greeting: " + excerpt(line);
    return;
  }
  if (untagged) {
    if (condition == "BYE") return answer();
    // Untagged data (CAPABILITY, ...) is not what we wait for; a literal in it is skipped
    // so that its content is never mistaken for a response.
    inside_literal_response_ = trailing_literal(line, literal);
    if (inside_literal_response_) lines_.skip(literal);
    return;
  }
  if (tag != tag_) {
    state_ = reply_state::error;
    error_ = "response for unknown tag: " + excerpt(line);
    return;
  }
  if (condition == "OK" || condition == "NO" || condition == "BAD") return answer();
  state_ = reply_state::error;
  error_ = "bad tagged response: " + excerpt(line);
}

// --- POP3 ---------------------------------------------------------------------------------

std::string pop3_reply::summary() const {
  std::string out = ok ? "+OK" : "-ERR";
  if (!text.empty()) out += " " + excerpt(text);
  return out;
}

reply_state pop3_reply_reader::feed(std::string_view bytes) {
  if (state_ == reply_state::error) return state_;
  lines_.append(bytes);  // after a complete reply too: kept for the next one
  return state_ == reply_state::need_more ? parse() : state_;
}

reply_state pop3_reply_reader::next() {
  if (state_ == reply_state::error) return state_;
  state_ = reply_state::need_more;
  reply_ = {};
  return parse();
}

reply_state pop3_reply_reader::parse() {
  std::string line;
  auto r = lines_.next_line(line);
  if (r == line_reader::result::need_more) return state_;
  if (r == line_reader::result::too_long) {
    state_ = reply_state::error;
    error_ = too_long(lines_.max_line());
    return state_;
  }
  // RFC 1939 §3: a status indicator, "+OK" or "-ERR", then optional text after a space.
  auto indicator = [&](std::string_view word) {
    return line.compare(0, word.size(), word) == 0 &&
           (line.size() == word.size() || line[word.size()] == ' ');
  };
  if (indicator("+OK") || indicator("-ERR")) {
    reply_.ok = line[0] == '+';
    size_t skip = reply_.ok ? 4 : 5;
    reply_.text = line.size() > skip ? line.substr(skip) : std::string{};
    state_ = reply_state::complete;
  } else {
    state_ = reply_state::error;
    error_ = "not a POP3 status line: " + excerpt(line);
  }
  return state_;
}

}  // namespace hamesh::probe
