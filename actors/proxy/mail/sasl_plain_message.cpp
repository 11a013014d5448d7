#include "actors/proxy/mail/sasl_plain_message.hpp"

namespace hamesh::proxy::mail {

std::string sasl_plain_message::encode() const {
  std::string out;
  out.reserve(authzid.size() + authcid.size() + passwd.size() + 2);
  out += authzid;
  out += '\0';
  out += authcid;
  out += '\0';
  out += passwd;
  return out;
}

std::optional<sasl_plain_message> parse_sasl_plain_message(std::string_view message) {
  size_t first = message.find('\0');
  if (first == std::string_view::npos) return std::nullopt;
  size_t second = message.find('\0', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  if (message.find('\0', second + 1) != std::string_view::npos) return std::nullopt;
  sasl_plain_message m;
  m.authzid = std::string(message.substr(0, first));
  m.authcid = std::string(message.substr(first + 1, second - first - 1));
  m.passwd = std::string(message.substr(second + 1));
  if (m.authcid.empty() || m.passwd.empty()) return std::nullopt;
  return m;
}

}  // namespace hamesh::proxy::mail
