#pragma once
// Names of nodes and actors become path segments, log component names and metric labels,
// so they are kept to a safe alphabet.
#include <string>

namespace hamesh::config {

// 1..64 characters of A-Z a-z 0-9 _ . -, not starting with '.' or '-'.
bool valid_name(const std::string& name);
std::string name_rule_message(const std::string& found);

}  // namespace hamesh::config
