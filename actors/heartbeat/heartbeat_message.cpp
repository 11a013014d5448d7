#include "actors/heartbeat/heartbeat_message.hpp"

namespace hamesh::heartbeat {

const char* to_string(heartbeat_role r) {
  switch (r) {
    case heartbeat_role::none:
      return "none";
    case heartbeat_role::primary:
      return "primary";
    case heartbeat_role::secondary:
      return "secondary";
    case heartbeat_role::releasing:
      return "releasing";
  }
  return "unknown";
}

bool valid_name(const std::string& text) {
  if (text.empty() || text.size() > heartbeat_message::max_name) return false;
  for (unsigned char c : text)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

heartbeat_errc check(const heartbeat_message& m) {
  if (!valid_name(m.node) || !valid_name(m.pair)) return heartbeat_errc::invalid_message;
  if (!m.link.empty() && !valid_name(m.link)) return heartbeat_errc::invalid_message;
  if (static_cast<uint8_t>(m.role) > static_cast<uint8_t>(heartbeat_role::releasing))
    return heartbeat_errc::invalid_message;
  return heartbeat_errc::none;
}

}  // namespace hamesh::heartbeat
