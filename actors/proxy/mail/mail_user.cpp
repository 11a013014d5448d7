#include "actors/proxy/mail/mail_user.hpp"

namespace hamesh::proxy::mail {
namespace {

std::optional<mail_user> refuse(std::string* why, const char* reason) {
  if (why) *why = reason;
  return std::nullopt;
}

}  // namespace

std::string mail_user::name() const {
  return domain.empty() ? local : local + '@' + domain;
}

std::optional<mail_user> parse_mail_user(std::string_view text, std::string* why) {
  if (text.empty()) return refuse(why, "empty user name");
  if (text.size() > mail_user::max_length) return refuse(why, "user name too long");
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f) return refuse(why, "control character in user name");
  mail_user user;
  size_t at = text.rfind('@');
  if (at == std::string_view::npos) {
    user.local = std::string(text);
    return user;
  }
  if (at == 0) return refuse(why, "empty local part in user name");
  if (at + 1 == text.size()) return refuse(why, "empty domain in user name");
  user.local = std::string(text.substr(0, at));
  user.domain.reserve(text.size() - at - 1);
  for (char c : text.substr(at + 1))
    user.domain += (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
  return user;
}

}  // namespace hamesh::proxy::mail
