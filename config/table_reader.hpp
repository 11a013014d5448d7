#pragma once
// Reads one TOML table into plain values, checking types and ranges, and remembering
// which keys were read so that finish() can refuse the ones nobody knows. Every problem
// becomes a config_error with the position of the offending key or value; reading goes on
// so that one run reports every mistake in the file.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config_error.hpp"
#include "runtime/duration.hpp"

namespace toml {
inline namespace v3 {
class table;
class node;
}  // namespace v3
}  // namespace toml

namespace hamesh::config {

struct source_context {
  std::string file;                // as given on the command line, for messages
  std::filesystem::path base_dir;  // relative paths in the config resolve against this
  config_errors* errors = nullptr;
};

class table_reader {
 public:
  table_reader(const toml::table& table, std::string key_path, const source_context& ctx);

  const std::string& key_path() const { return path_; }
  const source_context& context() const { return ctx_; }
  bool has(const std::string& key) const;

  std::optional<std::string> string(const std::string& key, bool required = false);
  // A required name (config/name_rules.hpp) not yet in `seen`; `what` names it in errors.
  std::optional<std::string> unique_name(const std::string& key, std::set<std::string>& seen,
                                         const std::string& what);
  // A string that must be one of `choices`.
  std::optional<std::string> choice(const std::string& key, const std::vector<std::string>& choices,
                                    bool required = false);
  std::optional<int64_t> integer(const std::string& key, int64_t min, int64_t max,
                                 bool required = false);
  std::optional<bool> boolean(const std::string& key, bool required = false);
  std::optional<duration> duration_value(const std::string& key, duration min, duration max,
                                         bool required = false);
  // A size in bytes: an integer, or a string with a binary unit ("64MiB", runtime/byte_size).
  std::optional<uint64_t> byte_size(const std::string& key, uint64_t min, uint64_t max,
                                    bool required = false);
  // A file path; relative ones are resolved against the config file's folder.
  std::optional<std::filesystem::path> path(const std::string& key, bool required = false);
  // "HOST:PORT" with a numeric port 1..65535 (port 0 allowed when `allow_any_port`).
  std::optional<std::pair<std::string, uint16_t>> endpoint(const std::string& key,
                                                           bool required = false,
                                                           bool allow_any_port = false);
  // "IPv4:PORT" with a numeric address: data planes forward to addresses, never to names.
  std::optional<std::pair<uint32_t, uint16_t>> ipv4_endpoint(const std::string& key,
                                                             bool required = false,
                                                             bool allow_any_port = false);
  // An array of them, each error at its element; an empty array is refused.
  std::optional<std::vector<std::pair<uint32_t, uint16_t>>> ipv4_endpoint_array(
      const std::string& key, bool required = false);
  std::optional<std::vector<std::string>> string_array(const std::string& key,
                                                       bool required = false);
  std::optional<table_reader> table(const std::string& key, bool required = false);
  std::vector<table_reader> array_of_tables(const std::string& key);
  // Keys of this table, in file order, each marked as read (for tables of free-form keys).
  std::vector<std::string> keys();

  // Reports an error at `key` (or at this table when `key` is empty).
  void error(const std::string& key, const std::string& message);
  // Refuses every key that no getter asked for.
  void finish();

 private:
  const toml::node* get(const std::string& key, bool required, const char* expected);
  void error_at(const toml::node* node, const std::string& key, const std::string& message);
  std::string child_path(const std::string& key) const;

  const toml::table* table_;
  std::string path_;
  source_context ctx_;
  std::set<std::string> read_;
};

// "integer 300", "string \"abc\"", "table", ... for "found ..." in messages.
std::string describe(const toml::node& node);

}  // namespace hamesh::config
