#include "actors/proxy/mail/imap_response_line.hpp"

#include "actors/proxy/mail/imap_syntax.hpp"
#include "actors/proxy/mail/mail_text.hpp"

namespace hamesh::proxy::mail {
namespace {

std::string_view first_word(std::string_view s) {
  return s.substr(0, s.find(' '));
}

std::string_view after_first_word(std::string_view s) {
  size_t space = s.find(' ');
  return space == std::string_view::npos ? std::string_view() : s.substr(space + 1);
}

bool is_condition(std::string_view word, bool tagged) {
  if (word == "OK" || word == "NO" || word == "BAD") return true;
  return !tagged && (word == "BYE" || word == "PREAUTH");
}

}  // namespace

std::string imap_response_line::code_name() const {
  return ascii_upper(first_word(code));
}

std::string imap_response_line::code_argument() const {
  return std::string(after_first_word(code));
}

std::string imap_response_line::data_name() const {
  return ascii_upper(first_word(data));
}

std::string imap_response_line::data_argument() const {
  return std::string(after_first_word(data));
}

std::optional<imap_response_line> parse_imap_response_line(std::string_view line) {
  imap_response_line r;
  if (!line.empty() && line[0] == '+') {
    // RFC 3501 §7.5: "+" SP (resp-text / base64); a bare "+" is common enough to accept.
    r.what = imap_response_line::kind::continuation;
    if (line.size() > 1) {
      if (line[1] != ' ') return std::nullopt;
      r.text = std::string(line.substr(2));
    }
    return r;
  }
  size_t space = line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view tag = line.substr(0, space);
  bool tagged = tag != "*";
  if (tagged && !is_imap_tag(tag)) return std::nullopt;
  std::string_view rest = line.substr(space + 1);
  std::string word = ascii_upper(first_word(rest));
  if (!is_condition(word, tagged)) {
    if (tagged || word.empty()) return std::nullopt;
    r.what = imap_response_line::kind::data;
    r.tag = "*";
    r.data = std::string(rest);
    return r;
  }
  r.what = imap_response_line::kind::status;
  r.tag = std::string(tag);
  r.condition = std::move(word);
  std::string_view text = after_first_word(rest);
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    r.code = std::string(text.substr(1, close - 1));
  }
  r.text = std::string(text);
  return r;
}

bool imap_has_capability(std::string_view capabilities, std::string_view name) {
  std::string wanted = ascii_upper(name);
  while (!capabilities.empty()) {
    std::string_view word = first_word(capabilities);
    if (ascii_upper(word) == wanted) return true;
    if (word.size() == capabilities.size()) break;
    capabilities.remove_prefix(word.size() + 1);
  }
  return false;
}

}  // namespace hamesh::proxy::mail
