#pragma once
// One spdlog logger per component, named after the actor path ("demo/ticker/t1"), all
// writing to one sink. Levels come from [log]: a default and per-component overrides where
// the longest matching path prefix wins. configure() may be called again on reload.
#include <spdlog/logger.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hamesh::logging {

struct settings {
  std::string level = "info";
  std::string format = "text";  // text | json
  std::optional<std::filesystem::path> file;
  std::vector<std::pair<std::string, std::string>> components;
};

// Returns false (and leaves the old settings) when the log file cannot be opened.
bool configure(const settings& s, std::string* why = nullptr);
std::shared_ptr<spdlog::logger> get(const std::string& component);

}  // namespace hamesh::logging
