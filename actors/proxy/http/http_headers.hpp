#pragma once
// The field lines of a head in the order received, names as received; look-ups ignore case
// (RFC 9110 §5.1). Repeated names stay separate lines (Set-Cookie cannot be combined).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hamesh::proxy::http {

struct http_header_field {
  std::string name;
  std::string value;  // without the surrounding OWS
};

class http_headers {
 public:
  void add(std::string name, std::string value);
  void clear() { fields_.clear(); }

  const std::vector<http_header_field>& fields() const { return fields_; }
  size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  auto begin() const { return fields_.begin(); }
  auto end() const { return fields_.end(); }

  // The value of the first line named `name`, or nullptr.
  const std::string* find(std::string_view name) const;
  bool contains(std::string_view name) const { return find(name) != nullptr; }
  // How many lines are named `name`.
  size_t count(std::string_view name) const;
  // Whether `token` is an element of the comma-separated list in any line named `name`
  // (Connection: keep-alive, Upgrade), case-insensitively.
  bool has_token(std::string_view name, std::string_view token) const;

 private:
  std::vector<http_header_field> fields_;
};

}  // namespace hamesh::proxy::http
