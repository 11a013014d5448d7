#include "config/table_reader.hpp"

#include "config/endpoint.hpp"
#include "config/name_rules.hpp"
#include "runtime/byte_size.hpp"
#include "runtime/ipv4_text.hpp"

#include <toml++/toml.h>

#include <algorithm>

namespace hamesh::config {

std::string config_error::render() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": ";
  if (!key_path.empty()) out += key_path + ": ";
  out += message;
  return out;
}

std::string describe(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: {
      std::string s(*node.as_string());
      if (s.size() > 40) s = s.substr(0, 37) + "...";
      return "string \"" + s + "\"";
    }
    case toml::node_type::integer:
      return "integer " + std::to_string(node.as_integer()->get());
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return node.as_boolean()->get() ? "true" : "false";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

table_reader::table_reader(const toml::table& table, std::string key_path,
                           const source_context& ctx)
    : table_(&table), path_(std::move(key_path)), ctx_(ctx) {}

std::string table_reader::child_path(const std::string& key) const {
  if (key.empty()) return path_;
  return path_.empty() ? key : path_ + "." + key;
}

bool table_reader::has(const std::string& key) const {
  return table_->contains(key);
}

void table_reader::error_at(const toml::node* node, const std::string& key,
                            const std::string& message) {
  config_error e{ctx_.file, 0, 0, child_path(key), message};
  const toml::source_region* where = node ? &node->source() : &table_->source();
  if (where->begin.line > 0) {
    e.line = where->begin.line;
    e.column = where->begin.column;
  }
  ctx_.errors->push_back(std::move(e));
}

void table_reader::error(const std::string& key, const std::string& message) {
  error_at(key.empty() ? nullptr : table_->get(key), key, message);
}

const toml::node* table_reader::get(const std::string& key, bool required, const char* expected) {
  read_.insert(key);
  const toml::node* node = table_->get(key);
  if (!node && required)
    error_at(nullptr, key, std::string("missing required key (expected ") + expected + ")");
  return node;
}

std::optional<std::string> table_reader::string(const std::string& key, bool required) {
  auto* node = get(key, required, "a string");
  if (!node) return std::nullopt;
  if (!node->is_string()) {
    error_at(node, key, "expected a string, found " + describe(*node));
    return std::nullopt;
  }
  return std::string(*node->as_string());
}

std::optional<std::string> table_reader::unique_name(const std::string& key,
                                                     std::set<std::string>& seen,
                                                     const std::string& what) {
  auto name = string(key, true);
  if (!name) return std::nullopt;
  if (!valid_name(*name))
    error(key, name_rule_message(*name));
  else if (!seen.insert(*name).second)
    error(key, "duplicate " + what + " name \"" + *name + "\"");
  return name;
}

std::optional<std::string> table_reader::choice(const std::string& key,
                                                const std::vector<std::string>& choices,
                                                bool required) {
  std::string expected = "one of";
  for (size_t i = 0; i < choices.size(); ++i) expected += (i ? ", \"" : " \"") + choices[i] + "\"";
  auto* node = get(key, required, expected.c_str());
  if (!node) return std::nullopt;
  if (node->is_string()) {
    std::string value(*node->as_string());
    if (std::find(choices.begin(), choices.end(), value) != choices.end()) return value;
  }
  error_at(node, key, "expected " + expected + ", found " + describe(*node));
  return std::nullopt;
}

std::optional<int64_t> table_reader::integer(const std::string& key, int64_t min, int64_t max,
                                             bool required) {
  std::string expected = "an integer in " + std::to_string(min) + ".." + std::to_string(max);
  auto* node = get(key, required, expected.c_str());
  if (!node) return std::nullopt;
  if (!node->is_integer() || node->as_integer()->get() < min || node->as_integer()->get() > max) {
    error_at(node, key, "expected " + expected + ", found " + describe(*node));
    return std::nullopt;
  }
  return node->as_integer()->get();
}

std::optional<bool> table_reader::boolean(const std::string& key, bool required) {
  auto* node = get(key, required, "true or false");
  if (!node) return std::nullopt;
  if (!node->is_boolean()) {
    error_at(node, key, "expected true or false, found " + describe(*node));
    return std::nullopt;
  }
  return node->as_boolean()->get();
}

std::optional<uint64_t> table_reader::byte_size(const std::string& key, uint64_t min, uint64_t max,
                                                bool required) {
  std::string expected = "a size in " + format_byte_size(min) + ".." + format_byte_size(max) +
                         ", like \"" + format_byte_size(std::max<uint64_t>(min, 1 << 20)) + "\"";
  auto* node = get(key, required, expected.c_str());
  if (!node) return std::nullopt;
  std::optional<uint64_t> size;
  std::string why;
  if (node->is_integer() && node->as_integer()->get() >= 0)
    size = uint64_t(node->as_integer()->get());
  else if (node->is_string())
    size = parse_byte_size(node->as_string()->get(), &why);
  if (!size || *size < min || *size > max) {
    error_at(
        node, key,
        "expected " + expected + ", found " + describe(*node) + (why.empty() ? "" : ": " + why));
    return std::nullopt;
  }
  return size;
}

std::optional<duration> table_reader::duration_value(const std::string& key, duration min,
                                                     duration max, bool required) {
  std::string expected =
      "a duration string in " + format_duration(min) + ".." + format_duration(max) + ", like \"" +
      format_duration(std::max(min, duration{std::chrono::milliseconds(500)})) + "\"";
  auto* node = get(key, required, expected.c_str());
  if (!node) return std::nullopt;
  if (!node->is_string()) {
    error_at(node, key, "expected " + expected + ", found " + describe(*node));
    return std::nullopt;
  }
  std::string why;
  auto d = parse_duration(node->as_string()->get(), &why);
  if (!d) {
    error_at(node, key, "expected " + expected + ", found " + describe(*node) + ": " + why);
    return std::nullopt;
  }
  if (*d < min || *d > max) {
    error_at(node, key, "expected " + expected + ", found " + describe(*node));
    return std::nullopt;
  }
  return d;
}

std::optional<std::filesystem::path> table_reader::path(const std::string& key, bool required) {
  auto text = string(key, required);
  if (!text) return std::nullopt;
  if (text->empty()) {
    error(key, "expected a file path, found an empty string");
    return std::nullopt;
  }
  std::filesystem::path p(*text);
  if (p.is_relative()) p = ctx_.base_dir / p;
  return p.lexically_normal();
}

std::optional<std::pair<std::string, uint16_t>> split_endpoint(const std::string& text,
                                                               bool allow_port_zero) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string host = text.substr(0, colon);
  std::string port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  bool digits = !port.empty() && port.size() <= 5 &&
                std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  long value = digits ? std::stol(port) : -1;
  if (host.empty() || value < (allow_port_zero ? 0 : 1) || value > 65535) return std::nullopt;
  return std::make_pair(host, static_cast<uint16_t>(value));
}

std::optional<std::pair<std::string, uint16_t>> table_reader::endpoint(const std::string& key,
                                                                       bool required,
                                                                       bool allow_any_port) {
  auto text = string(key, required);
  if (!text) return std::nullopt;
  auto ep = split_endpoint(*text, allow_any_port);
  if (!ep)
    error(key, std::string("expected \"HOST:PORT\" with a port in ") +
                   (allow_any_port ? "0" : "1") + "..65535, found string \"" + *text + "\"");
  return ep;
}

std::optional<std::pair<uint32_t, uint16_t>> table_reader::ipv4_endpoint(const std::string& key,
                                                                         bool required,
                                                                         bool allow_any_port) {
  auto ep = endpoint(key, required, allow_any_port);
  if (!ep) return std::nullopt;
  auto addr = parse_ipv4(ep->first);
  if (!addr) {
    error(key, "expected a numeric IPv4 address and port like \"10.0.0.100:80\", found \"" +
                   ep->first + ":" + std::to_string(ep->second) + "\"");
    return std::nullopt;
  }
  return std::make_pair(*addr, ep->second);
}

std::optional<std::vector<std::pair<uint32_t, uint16_t>>> table_reader::ipv4_endpoint_array(
    const std::string& key, bool required) {
  auto* node = get(key, required, "an array of \"IPv4:PORT\" strings");
  if (!node) return std::nullopt;
  auto* arr = node->as_array();
  if (!arr || arr->empty()) {
    error_at(node, key,
             "expected a non-empty array of \"IPv4:PORT\" strings, found " + describe(*node));
    return std::nullopt;
  }
  std::vector<std::pair<uint32_t, uint16_t>> out;
  bool ok = true;
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& item = *arr->get(i);
    auto where = key + "[" + std::to_string(i) + "]";
    auto ep =
        item.is_string() ? split_endpoint(std::string(*item.as_string()), false) : std::nullopt;
    auto addr = ep ? parse_ipv4(ep->first) : std::nullopt;
    if (!addr) {
      error_at(&item, where,
               "expected a numeric IPv4 address and port like \"10.0.2.1:143\", found " +
                   describe(item));
      ok = false;
      continue;
    }
    out.emplace_back(*addr, ep->second);
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::string>> table_reader::string_array(const std::string& key,
                                                                   bool required) {
  auto* node = get(key, required, "an array of strings");
  if (!node) return std::nullopt;
  auto* arr = node->as_array();
  if (!arr) {
    error_at(node, key, "expected an array of strings, found " + describe(*node));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& item = *arr->get(i);
    if (!item.is_string()) {
      error_at(&item, key + "[" + std::to_string(i) + "]",
               "expected a string, found " + describe(item));
      ok = false;
      continue;
    }
    out.emplace_back(*item.as_string());
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<table_reader> table_reader::table(const std::string& key, bool required) {
  auto* node = get(key, required, "a table");
  if (!node) return std::nullopt;
  if (!node->is_table()) {
    error_at(node, key, "expected a table ([" + child_path(key) + "]), found " + describe(*node));
    return std::nullopt;
  }
  return table_reader(*node->as_table(), child_path(key), ctx_);
}

std::vector<table_reader> table_reader::array_of_tables(const std::string& key) {
  std::vector<table_reader> out;
  auto* node = get(key, false, "an array of tables");
  if (!node) return out;
  auto* arr = node->as_array();
  if (!arr) {
    error_at(node, key,
             "expected an array of tables ([[" + child_path(key) + "]]), found " + describe(*node));
    return out;
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& item = *arr->get(i);
    std::string item_path = child_path(key) + "[" + std::to_string(i) + "]";
    if (!item.is_table()) {
      ctx_.errors->push_back({ctx_.file, static_cast<unsigned>(item.source().begin.line),
                              static_cast<unsigned>(item.source().begin.column), item_path,
                              "expected a table, found " + describe(item)});
      continue;
    }
    out.emplace_back(*item.as_table(), item_path, ctx_);
  }
  return out;
}

std::vector<std::string> table_reader::keys() {
  std::vector<std::string> out;
  for (auto&& [k, v] : *table_) {
    out.emplace_back(k.str());
    read_.insert(out.back());
  }
  return out;
}

void table_reader::finish() {
  std::vector<std::string> known(read_.begin(), read_.end());
  for (auto&& [k, v] : *table_) {
    std::string key(k.str());
    if (read_.count(key)) continue;
    std::string message = "unknown key";
    if (!known.empty()) {
      message += " (known keys here:";
      for (size_t i = 0; i < known.size(); ++i) message += (i ? ", " : " ") + known[i];
      message += ")";
    }
    config_error e{ctx_.file, static_cast<unsigned>(k.source().begin.line),
                   static_cast<unsigned>(k.source().begin.column), child_path(key), message};
    if (e.line == 0) {
      e.line = v.source().begin.line;
      e.column = v.source().begin.column;
    }
    ctx_.errors->push_back(std::move(e));
  }
}

}  // namespace hamesh::config
