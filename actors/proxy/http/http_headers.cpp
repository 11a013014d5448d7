#include "actors/proxy/http/http_headers.hpp"

#include <utility>

#include "runtime/http_syntax.hpp"

namespace hamesh::proxy::http {

void http_headers::add(std::string name, std::string value) {
  fields_.push_back({std::move(name), std::move(value)});
}

const std::string* http_headers::find(std::string_view name) const {
  for (const auto& f : fields_)
    if (iequals(f.name, name)) return &f.value;
  return nullptr;
}

size_t http_headers::count(std::string_view name) const {
  size_t n = 0;
  for (const auto& f : fields_)
    if (iequals(f.name, name)) ++n;
  return n;
}

bool http_headers::has_token(std::string_view name, std::string_view token) const {
  for (const auto& f : fields_) {
    if (!iequals(f.name, name)) continue;
    std::string_view list = f.value, element;
    while (next_list_element(list, element))
      if (iequals(element, token)) return true;
  }
  return false;
}

}  // namespace hamesh::proxy::http
