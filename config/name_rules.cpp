#include "config/name_rules.hpp"

namespace hamesh::config {

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '.' || name[0] == '-') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string name_rule_message(const std::string& found) {
  return "expected a name of 1..64 characters from A-Z a-z 0-9 _ . - (not starting with . or -), "
         "found string \"" +
         found + "\"";
}

}  // namespace hamesh::config
