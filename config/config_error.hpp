#pragma once
// One thing wrong with a config, located the way compilers do: file:line:column, then the
// key path (vrrp.instance[0].priority), then what was expected and what was found.
#include <string>
#include <vector>

namespace hamesh::config {

struct config_error {
  std::string file;
  unsigned line = 0;    // 1-based; 0 when the position is unknown
  unsigned column = 0;  // 1-based
  std::string key_path;
  std::string message;

  // "node.toml:12:12: vrrp.instance[0].priority: expected an integer in 1..254, found 300"
  std::string render() const;
};

using config_errors = std::vector<config_error>;

}  // namespace hamesh::config
