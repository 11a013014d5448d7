#pragma once
// Loads and validates a node config: either a complete node_config or every error found.
#include <filesystem>
#include <optional>
#include <string>

#include "config/config_error.hpp"
#include "config/node_config.hpp"

namespace hamesh::config {

struct load_result {
  std::optional<node_config> config;  // set only when `errors` is empty
  config_errors errors;
};

load_result load_node_config(const std::filesystem::path& file);
// For tests and fuzzing: `text` stands for the contents of `file_name`.
load_result load_node_config_text(const std::string& text, const std::string& file_name,
                                  const std::filesystem::path& base_dir);

}  // namespace hamesh::config
